import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore

/// The answering side of one request: the way back to the client, and the log line and counts it ends with.
///
/// What the request is (its route, key and namespace) is fixed when the exchange is made; how each answer came
/// about travels with the answer (`Disposition`).
///
/// Thread rule: an exchange may be handed any answer from any thread (the event loop that read the request, the
/// upstream thread, a reader, writer or lease thread), but its one piece of mutable state, the bytes sent so
/// far, is touched only on the event loop that owns the request's connection. Every method hops there first
/// (at once, with no hop, when already there: a hit costs nothing extra), so answers keep the order they were
/// given in, and `assertOnLoop` checks the rule where the state is touched.
final class Exchange: @unchecked Sendable {  // `bytesOut` is touched only on the owning loop (asserted).
    /// How an answer came about: what `x-tapedeck*`, the log line, the stats and the usage ledger say of it.
    struct Disposition: Sendable {
        var outcome: Outcome
        /// How a hit's answer relates to what was recorded (`x-tapedeck-served-as`).
        var servedAs: Replay.ServedAs?
        /// The served cassette's key, when it is not the request's (`--repeats sequence` past the last answer).
        var servedKey: CacheKey?
        /// The namespace the served cassette came from ("" is the shared one, `--namespace-fallback`).
        var servedNamespace: String?
        /// The tokens a hit served from its cassette.
        var saved: TokenUsage?
        /// The served cassette is older than `--max-age`.
        var expired = false
        /// The answer is another identical request's upstream call, which this one waited for.
        var coalesced = false
        /// Upstream could not be reached or answered with an error (the leader's: a follower made no call).
        var upstreamFailed = false

        /// A disposition of `outcome` and nothing else.
        init(_ outcome: Outcome) {
            self.outcome = outcome
        }
    }

    let request: HTTPRequest
    let responder: HTTPResponder
    /// The request's route, once known (nil for Tapedeck's own pages and for requests refused before routing).
    let route: BedrockRoute?
    /// The request's effective key (`--repeats` applied), once known.
    let key: CacheKey?
    /// The request's namespace ("" is the shared one).
    let namespace: String
    private let log: ProcessLog
    private let stats: ProxyStats
    private let ledger: UsageLedger?
    /// Body bytes sent so far (a stream's chunks add up), for the log. Owning loop only.
    private var bytesOut = 0

    init(
        request: HTTPRequest, responder: HTTPResponder, log: ProcessLog, stats: ProxyStats, ledger: UsageLedger?,
        route: BedrockRoute? = nil, key: CacheKey? = nil, namespace: String = ""
    ) {
        self.request = request
        self.responder = responder
        self.log = log
        self.stats = stats
        self.ledger = ledger
        self.route = route
        self.key = key
        self.namespace = namespace
    }

    /// Sends `response` with Tapedeck's headers after `delayMs`, and logs it; `decorated` when it has them already
    /// (a hit's answer prebuilt with them, `RenderedAnswer.hitResponse`).
    func send(_ response: HTTPResponse, _ disposition: Disposition, delayMs: Int = 0, decorated: Bool = false) {
        guard responder.isOnLoop else {
            return responder.onLoop { [self] in send(response, disposition, delayMs: delayMs, decorated: decorated) }
        }
        var response = response
        if !decorated { decorate(&response.headers, disposition) }
        // RFC 9110 §9.3.2: the answer to HEAD has no body.
        if request.method != "HEAD" { bytesOut += response.body.count }
        finish(status: response.status, disposition)
        if delayMs > 0 { responder.respond(response, afterMilliseconds: delayMs) } else { responder.respond(response) }
    }

    /// Sends a replayed stream: its head with Tapedeck's headers, then its frames at their delays.
    func send(_ stream: Replay.Stream, _ disposition: Disposition, delayMs: Int) {
        guard responder.isOnLoop else { return responder.onLoop { [self] in send(stream, disposition, delayMs: delayMs) } }
        var head = stream.head
        decorate(&head.headers, disposition)
        for frame in stream.frames { bytesOut += frame.bytes.count }
        finish(status: head.status, disposition)
        responder.stream(head, chunks: stream.frames, startMs: delayMs)
    }

    /// Sends an error in Bedrock's shape.
    func fail(_ error: BedrockError, outcome: Outcome = .error) {
        send(error.response(), Disposition(outcome))
    }

    /// Starts a live stream with Tapedeck's headers; `sendChunk` sends its body and `endStream` ends it.
    func startStream(_ head: HTTPResponse, _ disposition: Disposition) {
        guard responder.isOnLoop else { return responder.onLoop { [self] in startStream(head, disposition) } }
        var head = head
        decorate(&head.headers, disposition)
        responder.startStream(head)
    }

    /// Sends one chunk of a started live stream.
    func sendChunk(_ bytes: [UInt8]) {
        guard responder.isOnLoop else { return responder.onLoop { [self] in sendChunk(bytes) } }
        bytesOut += bytes.count
        responder.sendChunk(bytes)
    }

    /// Watches the started live stream's unsent output: `backedUp` when the client falls over `HTTPResponder`'s
    /// backlog limit, `drained` once it has caught up (or the response or connection ended), on the owning loop.
    func watchBacklog(backedUp: @escaping @Sendable () -> Void, drained: @escaping @Sendable () -> Void) {
        responder.watchBacklog(backedUp: backedUp, drained: drained)
    }

    /// Ends a started live stream, cleanly or (`cut`) by closing the connection without the last chunk, as
    /// upstream's was cut; then logs it.
    func endStream(status: Int, _ disposition: Disposition, cut: Bool = false) {
        guard responder.isOnLoop else { return responder.onLoop { [self] in endStream(status: status, disposition, cut: cut) } }
        finish(status: status, disposition)
        if cut { responder.abortStream() } else { responder.finishStream() }
    }

    /// Traps unless called on the loop that owns this request's connection (the thread rule above).
    private func assertOnLoop() {
        assert(responder.isOnLoop, "an exchange's state is touched only on its connection's event loop")
    }

    /// Writes the request's log line and counts it.
    private func finish(status: Int, _ disposition: Disposition) {
        assertOnLoop()
        let outcome = disposition.outcome
        // Under --quiet there is no request line, and no path to split for it.
        if log.logsRequests {
            log.request(
                method: request.method, path: request.path, route: route, key: disposition.servedKey ?? key, namespace: namespace,
                outcome: outcome, status: status, bytesIn: request.body.count, bytesOut: bytesOut, startedAt: request.receivedAt)
        }
        let seconds = Double(MonotonicClock.nanoseconds() &- request.receivedAt) / 1e9
        let model = route?.modelId
        stats.record(outcome: outcome, model: model, seconds: seconds, upstreamFailed: disposition.upstreamFailed, saved: disposition.saved)
        guard let ledger, let model else { return }
        if outcome == .hit, let served = disposition.servedKey ?? key {
            ledger.hit(served, namespace: disposition.servedNamespace ?? namespace)
        }
        if outcome.isMiss { ledger.miss(model: model, namespace: namespace) }
    }

    private func decorate(_ headers: inout HTTPHeaders, _ disposition: Disposition) {
        Self.decorate(&headers, disposition, key: key)
    }

    /// Adds Tapedeck's `x-tapedeck*` headers for `disposition` to an answer to a request whose key is `key`.
    static func decorate(_ headers: inout HTTPHeaders, _ disposition: Disposition, key: CacheKey?) {
        guard let key = disposition.servedKey ?? key else {
            // A route passed through has no key, but says what Tapedeck did with it.
            if disposition.outcome == .passthrough { headers.set("x-tapedeck", disposition.outcome.rawValue) }
            return
        }
        headers.set("x-tapedeck", disposition.outcome.rawValue)
        headers.set("x-tapedeck-key", key.hex)
        if let servedAs = disposition.servedAs { headers.set("x-tapedeck-served-as", servedAs.rawValue) }
        if disposition.expired { headers.set("x-tapedeck-expired", "true") }
        if disposition.coalesced { headers.set("x-tapedeck-coalesced", "true") }
    }
}
