import Foundation

/// The flags of `tapedeck serve`, parsed and checked.
public struct ServeOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8787
    public var mode: ProxyMode?
    public var upstream: String?
    public var store = "json:Cassettes"
    public var ignoreFields: [String] = []
    public var maxBodyBytes = 64 * 1024 * 1024
    public var upstreamTimeoutSeconds = 300
    public var hitLatencyMs = 0
    public var hitUsage = HitUsage.recorded
    public var hitDelayMs = 0
    public var replayPace = ReplayPace.none
    public var threads = HTTPServer.Configuration().eventLoops
    public var readTimeoutSeconds = 30
    public var idleTimeoutSeconds = 75
    public var shutdownGraceSeconds = 10
    public var quiet = false
    /// Tapedeck's own upstream credentials when `--aws-sign` is given.
    public var upstreamAuth: UpstreamAuth?

    /// Default options.
    public init() {}

    /// Every flag `serve` accepts; the help text and the parser both come from this list.
    public static let specs: [FlagSpec] = [
        FlagSpec("host", value: "HOST", help: "address to listen on", default: "127.0.0.1"),
        FlagSpec("port", value: "PORT", help: "port to listen on; 0 picks a free one and the log says which", default: "8787"),
        FlagSpec("mode", value: "MODE", help: "auto | replay | record | passthrough", default: "replay without --upstream, auto with it"),
        FlagSpec("upstream", value: "URL", help: "Bedrock or Bifrost base URL that misses go to, e.g. https://bedrock-runtime.us-east-1.amazonaws.com", default: "none: offline"),
        FlagSpec("store", value: "STORE", help: "where cassettes live: json:DIR (a directory of JSON files) or sqlite:FILE (one SQLite database)", default: "json:Cassettes"),
        FlagSpec("ignore-field", value: "PATH", help: "dotted body path left out of the key, e.g. serviceTier; repeatable", default: "none; requestMetadata is always left out", repeatable: true),
        FlagSpec("max-body-bytes", value: "N", help: "largest request body accepted (413 beyond)", default: "67108864"),
        FlagSpec("upstream-timeout", value: "SECONDS", help: "longest wait for one upstream call", default: "300"),
        FlagSpec("hit-latency-ms", value: "N", help: "metrics.latencyMs reported by a hit", default: "0"),
        FlagSpec("hit-usage", value: "recorded|zero", help: "token usage reported by a hit", default: "recorded"),
        FlagSpec("hit-delay-ms", value: "N", help: "wait this long before answering a hit", default: "0"),
        FlagSpec("replay-pace", value: "none|recorded|N", help: "how a replayed stream spaces its frames: at once, as recorded, or N ms apart", default: "none"),
        FlagSpec("threads", value: "N", help: "event-loop threads", default: "the number of CPUs, at most 8"),
        FlagSpec("read-timeout", value: "SECONDS", help: "a started request must arrive within this (408)", default: "30"),
        FlagSpec("idle-timeout", value: "SECONDS", help: "idle keep-alive connections are closed after this", default: "75"),
        FlagSpec("shutdown-grace", value: "SECONDS", help: "on SIGINT/SIGTERM, how long in-flight requests may finish", default: "10"),
        FlagSpec("aws-sign", value: nil, help: "re-sign forwarded requests with SigV4 (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or send AWS_BEARER_TOKEN_BEDROCK as a Bearer key", default: "off: forward the client's headers"),
        FlagSpec("aws-region", value: "REGION", help: "region for --aws-sign", default: "AWS_REGION, then AWS_DEFAULT_REGION"),
        FlagSpec("quiet", value: nil, help: "no log line per request", default: "off"),
    ]

    /// Parses `serve`'s arguments (without the `serve` word).
    public static func parse(
        _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(UsageError) -> ServeOptions {
        let values = try FlagParser.parse(arguments, specs: specs, command: "serve")
        var options = ServeOptions()
        func one(_ name: String) -> String? { values[name]?.last }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(UsageError) -> Int? {
            guard let text = one(name) else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw UsageError("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
            }
            return value
        }
        if let host = one("host") {
            guard !host.isEmpty else { throw UsageError("--host must not be empty") }
            options.host = host
        }
        options.port = try integer("port", 0...65535) ?? options.port
        if let text = one("mode") {
            guard let mode = ProxyMode(rawValue: text) else {
                throw UsageError("--mode must be one of auto, replay, record, passthrough, not \"\(text)\"")
            }
            options.mode = mode
        }
        if let url = one("upstream") {
            let scheme = url.hasPrefix("https://") ? 8 : url.hasPrefix("http://") ? 7 : 0
            // RFC 3986 §3.2: the authority runs to the next "/", "?" or "#"; RFC 9110 §4.2.1: its host must not be empty.
            let authority = url.dropFirst(scheme).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            guard scheme > 0, !authority.isEmpty else {
                throw UsageError("--upstream must be an http:// or https:// URL, not \"\(CurlError.redact(url))\"")
            }
            options.upstream = url
        }
        if let mode = options.mode, mode != .replay, options.upstream == nil {
            throw UsageError("--mode \(mode.rawValue) needs --upstream URL")
        }
        if let store = one("store") {
            let named = store.hasPrefix("json:") ? 5 : store.hasPrefix("sqlite:") ? 7 : 0
            guard named > 0, store.utf8.count > named else {
                throw UsageError("--store must be json:DIR or sqlite:FILE, not \"\(store)\"")
            }
            options.store = store
        }
        for path in values["ignore-field"] ?? [] {
            guard !path.isEmpty, !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                throw UsageError("--ignore-field must be a dotted path such as serviceTier or inferenceConfig.topP, not \"\(path)\"")
            }
            options.ignoreFields.append(path)
        }
        options.maxBodyBytes = try integer("max-body-bytes", 1...(1 << 40)) ?? options.maxBodyBytes
        options.upstreamTimeoutSeconds = try integer("upstream-timeout", 1...86_400) ?? options.upstreamTimeoutSeconds
        options.hitLatencyMs = try integer("hit-latency-ms", 0...3_600_000) ?? options.hitLatencyMs
        if let text = one("hit-usage") {
            guard let usage = HitUsage(rawValue: text) else { throw UsageError("--hit-usage must be recorded or zero, not \"\(text)\"") }
            options.hitUsage = usage
        }
        options.hitDelayMs = try integer("hit-delay-ms", 0...3_600_000) ?? options.hitDelayMs
        if let text = one("replay-pace") {
            guard let pace = ReplayPace(text) else {
                throw UsageError("--replay-pace must be none, recorded or a number of milliseconds (0 to 600000), not \"\(text)\"")
            }
            options.replayPace = pace
        }
        options.threads = try integer("threads", 1...64) ?? options.threads
        options.readTimeoutSeconds = try integer("read-timeout", 1...86_400) ?? options.readTimeoutSeconds
        options.idleTimeoutSeconds = try integer("idle-timeout", 1...86_400) ?? options.idleTimeoutSeconds
        options.shutdownGraceSeconds = try integer("shutdown-grace", 0...3600) ?? options.shutdownGraceSeconds
        options.quiet = one("quiet") != nil
        if one("aws-sign") != nil {
            guard options.upstream != nil else { throw UsageError("--aws-sign needs --upstream URL") }
            guard let region = one("aws-region") ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty else {
                throw UsageError("--aws-sign needs a region: --aws-region REGION or AWS_REGION")
            }
            guard let auth = UpstreamAuth.fromEnvironment(environment, region: region) else {
                throw UsageError("--aws-sign needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_BEARER_TOKEN_BEDROCK, in the environment")
            }
            options.upstreamAuth = auth
        } else if one("aws-region") != nil {
            throw UsageError("--aws-region is used only with --aws-sign")
        }
        return options
    }

    /// The proxy settings these options describe.
    public var proxyConfiguration: ProxyConfiguration {
        ProxyConfiguration(
            mode: mode, upstream: upstream, ignoreFields: ignoreFields, upstreamTimeoutSeconds: upstreamTimeoutSeconds,
            hitLatencyMs: hitLatencyMs, hitUsage: hitUsage, hitDelayMs: hitDelayMs, replayPace: replayPace,
            upstreamAuth: upstreamAuth)
    }

    /// The HTTP server settings these options describe.
    public var serverConfiguration: HTTPServer.Configuration {
        HTTPServer.Configuration(
            host: host, port: port, eventLoops: threads,
            limits: RequestParser.Limits(maxBodyBytes: maxBodyBytes),
            readTimeoutMs: readTimeoutSeconds * 1000, idleTimeoutMs: idleTimeoutSeconds * 1000,
            errorResponse: BedrockError.forHTTPError)
    }
}
