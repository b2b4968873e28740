import TapedeckUpstream
/// Everything the proxy engine needs to know besides its store and upstream client.
public struct ProxyConfiguration: Sendable {
    /// The mode used when a request does not pick one with `x-tapedeck-mode`.
    public var mode: ProxyMode
    /// Upstream base URL without a trailing slash, or nil for offline replay.
    public var upstream: String?
    /// Dotted body paths left out of the key, besides `requestMetadata`.
    public var ignoreFields: [String]
    /// Upper bound for one upstream call.
    public var upstreamTimeoutSeconds: Int
    /// The `metrics.latencyMs` a hit reports.
    public var hitLatencyMs: Int
    public var hitUsage: HitUsage
    /// How long a hit waits before answering (other connections are not held up).
    public var hitDelayMs: Int
    /// How a replayed stream spaces its frames.
    public var replayPace: ReplayPace
    /// Tapedeck's own upstream credentials (`--aws-sign`), or nil to forward the client's.
    public var upstreamAuth: UpstreamAuth?
    /// The namespace of requests without `x-tapedeck-namespace` ("" is the shared one).
    public var namespace: String = ""
    /// Whether a miss in a namespace falls back to the shared namespace.
    public var namespaceFallback = false
    /// One answer per key, or the n-th answer for the n-th identical request.
    public var repeats = RepeatsMode.last
    /// Replay mode for CI: misses fail, and unused cassettes are listed.
    public var strict = false
    /// Cassettes older than this many seconds are expired; nil never expires.
    public var maxAgeSeconds: Int?
    public var onExpired = ExpiredPolicy.replay
    /// The token every request but `GET`/`HEAD /_tapedeck/health` must carry in `x-tapedeck-token`; nil asks for none.
    public var authToken: String?
    /// Which requests are refused as a web page's: a `Host` not on its list, a cross-site `Origin`, a simple body.
    public var siteGuard = SiteGuard.loopback()
    /// How many bytes of a stream's event payloads a recording holds in memory; past it the events go to a spool
    /// file (`EventSpool`) and the cassette is written from there.
    public var spoolThresholdBytes = 8 * 1024 * 1024
    /// Where spool files are made (they are nameless at once); nil for `TMPDIR`, else `/tmp`.
    public var spoolDirectory: String?

    /// Creates a configuration; the mode defaults to `auto` with an upstream and `replay` without.
    public init(
        mode: ProxyMode? = nil,
        upstream: String? = nil,
        ignoreFields: [String] = [],
        upstreamTimeoutSeconds: Int = 300,
        hitLatencyMs: Int = 0,
        hitUsage: HitUsage = .recorded,
        hitDelayMs: Int = 0,
        replayPace: ReplayPace = .none,
        upstreamAuth: UpstreamAuth? = nil
    ) {
        var base = upstream
        while let value = base, value.hasSuffix("/") { base = String(value.dropLast()) }
        self.upstream = base
        self.mode = mode ?? (base == nil ? .replay : .auto)
        self.ignoreFields = ignoreFields
        self.upstreamTimeoutSeconds = upstreamTimeoutSeconds
        self.hitLatencyMs = hitLatencyMs
        self.hitUsage = hitUsage
        self.hitDelayMs = hitDelayMs
        self.replayPace = replayPace
        self.upstreamAuth = upstreamAuth
    }
}
