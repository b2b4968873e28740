import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// One request on its way through the engine: what it is, what was learned about it, and how to answer it.
final class Exchange: @unchecked Sendable {
    let request: HTTPRequest
    let responder: HTTPResponder
    private let log: ProcessLog
    private let stats: ProxyStats
    private let ledger: UsageLedger?
    var model: String?
    var key: CacheKey?
    var route: ConverseRoute?
    /// The request's namespace ("" is the shared one) and the store seen through it.
    var namespace = ""
    var store: CassetteStore?
    /// Which answer to identical requests this is (`--repeats sequence`).
    var repeatIndex = 0
    /// The served cassette is older than `--max-age`.
    var expired = false
    /// Upstream could not be reached or answered with an error (set on the leader only: a follower made no call).
    var upstreamFailed = false
    /// The tokens a hit served from its cassette.
    var saved: TokenUsage?
    /// The namespace the served cassette came from: the request's, or "" when `--namespace-fallback` found it shared.
    var servedNamespace = ""
    /// The answer is another identical request's upstream call, which this one waited for.
    var coalesced = false
    /// Body bytes sent so far (a stream's chunks add up), for the log.
    private var bytesOut = 0

    init(request: HTTPRequest, responder: HTTPResponder, log: ProcessLog, stats: ProxyStats, ledger: UsageLedger?) {
        self.request = request
        self.responder = responder
        self.log = log
        self.stats = stats
        self.ledger = ledger
    }

    /// Sends `response` with Tapedeck's headers, and logs it.
    func send(_ response: HTTPResponse, outcome: Outcome, servedAs: Replay.ServedAs? = nil, delayMs: Int = 0) {
        var response = response
        decorate(&response, outcome: outcome, servedAs: servedAs)
        // RFC 9110 §9.3.2: the answer to HEAD has no body.
        if request.method != "HEAD" { bytesOut += response.body.count }
        logFinished(status: response.status, outcome: outcome)
        if delayMs > 0 { responder.respond(response, afterMilliseconds: delayMs) } else { responder.respond(response) }
    }

    /// Sends a replayed stream: its head with Tapedeck's headers, then its frames at their delays.
    func send(_ stream: Replay.Stream, outcome: Outcome, delayMs: Int) {
        var head = stream.head
        decorate(&head, outcome: outcome, servedAs: stream.servedAs)
        for frame in stream.frames { bytesOut += frame.bytes.count }
        logFinished(status: head.status, outcome: outcome)
        responder.stream(head, chunks: stream.frames, startMs: delayMs)
    }

    /// Starts a live stream with Tapedeck's headers; the caller sends the chunks and ends it.
    func startStream(_ head: HTTPResponse, outcome: Outcome) {
        var head = head
        decorate(&head, outcome: outcome, servedAs: nil)
        responder.startStream(head)
    }

    /// Sends one chunk of a started live stream.
    func sendChunk(_ bytes: [UInt8]) {
        bytesOut += bytes.count
        responder.sendChunk(bytes)
    }

    /// Sends an error in Bedrock's shape.
    func fail(_ error: BedrockError, outcome: Outcome = .error) {
        send(error.response(), outcome: outcome)
    }

    /// Writes the request's log line and counts it.
    func logFinished(status: Int, outcome: Outcome) {
        log.request(
            method: request.method, path: request.path, route: route, key: key, namespace: namespace, outcome: outcome,
            status: status, bytesIn: request.body.count, bytesOut: bytesOut, startedAt: request.receivedAt)
        let seconds = Double(MonotonicClock.nanoseconds() &- request.receivedAt) / 1e9
        stats.record(outcome: outcome, model: model, seconds: seconds, upstreamFailed: upstreamFailed, saved: saved)
        guard let ledger, let model else { return }
        if outcome == .hit, let key { ledger.hit(key, namespace: servedNamespace) }
        if outcome.isMiss { ledger.miss(model: model, namespace: namespace) }
    }

    private func decorate(_ response: inout HTTPResponse, outcome: Outcome, servedAs: Replay.ServedAs?) {
        guard let key else { return }
        response.headers.set("x-tapedeck", outcome.rawValue)
        response.headers.set("x-tapedeck-key", key.hex)
        if let servedAs { response.headers.set("x-tapedeck-served-as", servedAs.rawValue) }
        if expired { response.headers.set("x-tapedeck-expired", "true") }
        if coalesced { response.headers.set("x-tapedeck-coalesced", "true") }
    }
}
