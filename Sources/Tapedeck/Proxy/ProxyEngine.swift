import Dispatch

/// The proxy: routes a request, derives its key, and answers from a cassette or from upstream.
///
/// bytes → HTTP request → route → JSON body → key → store → hit: replay | miss: upstream → record → respond.
public final class ProxyEngine: HTTPHandler, @unchecked Sendable {
    public static let version = "0.1.0"

    public let configuration: ProxyConfiguration
    public let store: CassetteStore
    let upstream: UpstreamClient?
    let log: RequestLog
    let replay: Replay
    /// Live counters for `/_tapedeck/stats` and `/metrics`.
    public let stats: ProxyStats
    let ledger: UsageLedger?
    /// Cassette writes fsync; they run here, never on an event loop or the upstream thread.
    let recorder = DispatchQueue(label: "tapedeck.recorder", attributes: .concurrent)

    /// Creates an engine; `upstream` is required unless the mode never leaves the machine.
    public init(
        configuration: ProxyConfiguration, store: CassetteStore, upstream: UpstreamClient?, log: RequestLog,
        stats: ProxyStats = ProxyStats(), ledger: UsageLedger? = nil
    ) {
        self.stats = stats
        self.ledger = ledger
        self.configuration = configuration
        self.store = store
        self.upstream = configuration.upstream == nil ? nil : upstream
        self.log = log
        self.replay = Replay(hitLatencyMs: configuration.hitLatencyMs, hitUsage: configuration.hitUsage, pace: configuration.replayPace)
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let exchange = Exchange(request: request, responder: responder, log: log, stats: stats, ledger: ledger)
        let path = request.path
        if let page = adminPage(path) {
            guard request.method == "GET" || request.method == "HEAD" else {
                // RFC 9110 §15.5.6: a 405 lists the allowed methods in Allow.
                return exchange.fail(405, "UnknownOperationException", "\(request.method) is not allowed on \(path); use GET",
                                     headers: [("Allow", "GET, HEAD")])
            }
            return exchange.send(page, outcome: "admin")
        }
        switch ConverseRoute.parse(path: String(path)) {
        case .notFound:
            exchange.fail(404, "UnknownOperationException", "no route for \(request.method) \(path); Tapedeck serves POST [prefix]/model/{modelId}/converse and /converse-stream")
        case .invalidModelId(let reason):
            exchange.fail(400, "ValidationException", "invalid model id in \(path): \(reason)")
        case .converse(let route):
            exchange.model = route.modelId
            guard request.method == "POST" else {
                return exchange.fail(405, "UnknownOperationException", "\(request.method) is not allowed on \(path); use POST",
                                     headers: [("Allow", "POST")])
            }
            converse(route, exchange)
        }
    }

    private func converse(_ route: ConverseRoute, _ exchange: Exchange) {
        let request = exchange.request
        var mode = configuration.mode
        if let asked = request.headers["x-tapedeck-mode"] {
            guard let chosen = ProxyMode(rawValue: asked.lowercased()) else {
                let names = ProxyMode.allCases.map(\.rawValue).joined(separator: ", ")
                return exchange.fail(400, "ValidationException", "x-tapedeck-mode must be one of \(names), not \"\(asked)\"")
            }
            mode = chosen
        }
        // Without an upstream nothing reaches the network, whatever the request asks for.
        if upstream == nil { mode = .replay }

        let body: JSONValue
        do {
            body = try JSONParser.parse(request.body)
        } catch {
            return exchange.fail(400, "ValidationException", "request body is not valid JSON: \(error)")
        }
        guard body.objectValue != nil else {
            return exchange.fail(400, "ValidationException", "request body must be a JSON object")
        }
        let key: CacheKey
        do {
            key = try CacheKey.derive(modelId: route.modelId, body: body, ignoring: configuration.ignoreFields)
        } catch {
            return exchange.fail(400, "ValidationException", "request body cannot be canonicalized: \(error)")
        }
        exchange.key = key

        if mode == .auto || mode == .replay {
            do {
                if let cassette = try store.load(key) {
                    return serveHit(cassette, route: route, exchange: exchange)
                }
            } catch {
                // A newer Tapedeck's cassette is kept as it is: re-recording would destroy what this build cannot read.
                if mode == .replay || error.isNewerFormat {
                    return exchange.fail(500, "InternalServerException", "cassette for key \(key.hex) cannot be read: \(error)", outcome: "miss")
                }
                log.line("warning: \(error); recording it again")
            }
            if mode == .replay {
                return exchange.fail(404, "CassetteNotFoundException", missMessage(route: route, key: key), outcome: "miss")
            }
        }
        forward(route: route, body: body, exchange: exchange, record: mode != .passthrough,
                outcome: mode == .auto ? "miss" : mode.rawValue)
    }

    /// Answers from `cassette` in the shape the request's operation expects.
    private func serveHit(_ cassette: Cassette, route: ConverseRoute, exchange: Exchange) {
        exchange.saved = TokenUsage(of: cassette)
        do {
            switch route.operation {
            case .converse:
                let (response, servedAs) = try replay.response(for: cassette)
                exchange.send(response, outcome: "hit", servedAs: servedAs, delayMs: configuration.hitDelayMs)
            case .converseStream:
                exchange.send(try replay.stream(for: cassette), outcome: "hit", delayMs: configuration.hitDelayMs)
            }
        } catch {
            exchange.fail(500, "InternalServerException",
                          "cassette for key \(cassette.key.hex) cannot be served as \(route.operation.rawValue): \(error)", outcome: "hit")
        }
    }

    private func missMessage(route: ConverseRoute, key: CacheKey) -> String {
        var text = "no cassette for key \(key.hex) (model \(route.modelId)) in \(store.description), and replay mode never calls upstream."
        text += " To record it, run: tapedeck serve --store \(store.description) --upstream <URL> --mode auto"
        if configuration.upstream == nil { text += " (this server was started without --upstream)" }
        return text
    }

    /// Tapedeck's own GET pages: health, live statistics and Prometheus metrics.
    private func adminPage(_ path: Substring) -> HTTPResponse? {
        switch path {
        case "/_tapedeck/health": return health()
        case "/_tapedeck/stats": return statsPage()
        case "/metrics": return metricsPage()
        default: return nil
        }
    }

    private func statsPage() -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: JSONWriter.compact(stats.json()))
    }

    private func metricsPage() -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]),
                     body: Array(stats.prometheus().utf8))
    }

    private func health() -> HTTPResponse {
        let body = JSONValue.object([
            JSONMember("status", .string("ok")),
            JSONMember("mode", .string(configuration.mode.rawValue)),
            JSONMember("store", .string(store.description)),
            JSONMember("version", .string(Self.version)),
        ])
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: JSONWriter.compact(body))
    }
}
