import Dispatch
import TapedeckCodec
import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
import TapedeckUpstream

/// The proxy: routes a request, derives its key, and answers from a cassette or from upstream.
///
/// bytes → HTTP request → route → JSON body → key → store → hit: replay | miss: upstream → record → respond.
public final class ProxyEngine: HTTPHandler, @unchecked Sendable {
    public static let version = "0.1.0"

    public let configuration: ProxyConfiguration
    public let store: CassetteStore
    let upstream: UpstreamClient?
    let log: ProcessLog
    let replay: Replay
    /// Live counters for `/_tapedeck/stats` and `/metrics`.
    public let stats: ProxyStats
    let ledger: UsageLedger?
    /// Recorded requests by model, for naming the nearest one when replay misses.
    public let nearest = NearestIndex()
    /// Cassettes answered but still being written, by namespace and key.
    let pending = Mutex(PendingRecordings())
    /// Answers rendered from cassettes, reused while the cassette is unchanged.
    let hitCache = HitCache()
    /// Keys of byte-identical request bodies seen before.
    let memo = RequestMemo()
    /// Per-session counts of identical requests (`--repeats sequence`).
    public let sessions = SessionCounters()
    /// Identical misses in flight, so that they share one upstream call.
    public let coalescer = MissCoalescer()
    /// Keys served since start, for `GET /_tapedeck/unused`.
    let used = Mutex(Set<UsedCassette>())
    /// The store's namespace views, made once each.
    let views: NamespaceViews
    /// `--auth-token` as bytes, or nil when no token is asked for.
    private let authToken: [UInt8]?
    /// Cassette writes fsync; they run here, never on an event loop or the upstream thread.
    let recorder = DispatchQueue(label: "tapedeck.recorder", attributes: .concurrent)
    /// The cassette browser's API reads the store here, one request at a time.
    let browserQueue = DispatchQueue(label: "tapedeck.browser")
    /// What the cassette browser's API reads from.
    let browserAPI: BrowserAPI

    /// Creates an engine; `upstream` is required unless the mode never leaves the machine.
    public init(
        configuration: ProxyConfiguration, store: CassetteStore, upstream: UpstreamClient?, log: ProcessLog,
        stats: ProxyStats = ProxyStats(), ledger: UsageLedger? = nil
    ) {
        self.stats = stats
        self.ledger = ledger
        self.configuration = configuration
        self.store = store
        self.upstream = configuration.upstream == nil ? nil : upstream
        self.log = log
        self.authToken = configuration.authToken.map { Array($0.utf8) }
        self.replay = Replay(hitLatencyMs: configuration.hitLatencyMs, hitUsage: configuration.hitUsage, pace: configuration.replayPace)
        self.views = NamespaceViews(store)
        self.browserAPI = BrowserAPI(views: views, catalog: CassetteCatalog(), stats: stats)
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let exchange = Exchange(request: request, responder: responder, log: log, stats: stats, ledger: ledger)
        let path = request.path
        if let refusal = authorizationRefusal(request) {
            return exchange.fail(.accessDenied(refusal))
        }
        // Tapedeck's own routes live under /_tapedeck (and /metrics): a Converse request skips their lookups.
        if path.utf8.starts(with: "/_tapedeck".utf8) || path == "/metrics", ownRoute(path, exchange) { return }
        switch ConverseRoute.parse(path: String(path)) {
        case .notFound:
            exchange.fail(.unknownOperation("no route for \(request.method) \(path); Tapedeck serves POST [prefix]/model/{modelId}/converse and /converse-stream"))
        case .invalidModelId(let reason):
            exchange.fail(.validation("invalid model id in \(path): \(reason)"))
        case .converse(let route):
            exchange.model = route.modelId
            exchange.route = route
            guard request.method == "POST" else {
                return exchange.fail(.methodNotAllowed("\(request.method) is not allowed on \(path); use POST", allow: "POST"))
            }
            converse(route, exchange)
        }
    }

    /// Answers `path` if it is one of Tapedeck's own routes (session reset, the cassette browser, health, stats,
    /// metrics, unused); false when it is none of them.
    private func ownRoute(_ path: Substring, _ exchange: Exchange) -> Bool {
        let request = exchange.request
        if path == "/_tapedeck/session/reset" {
            guard request.method == "POST" else {
                exchange.fail(.methodNotAllowed("\(request.method) is not allowed on \(path); use POST", allow: "POST"))
                return true
            }
            let session = request.headers["x-tapedeck-session"]
            sessions.reset(session: session)
            let body = JSONValue.object([JSONMember("reset", .string(session ?? "all sessions"))])
            exchange.send(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]),
                                       body: JSONWriter.compact(body)), outcome: .admin)
            return true
        }
        if let route = BrowserRoute(path: path) {
            browse(route, exchange)
            return true
        }
        guard let page = adminPage(path) else { return false }
        guard request.method == "GET" || request.method == "HEAD" else {
            // RFC 9110 §15.5.6: a 405 lists the allowed methods in Allow.
            exchange.fail(.methodNotAllowed("\(request.method) is not allowed on \(path); use GET", allow: "GET, HEAD"))
            return true
        }
        exchange.send(page, outcome: .admin)
        return true
    }

    /// Why `request` may not go on under `--auth-token`, or nil when it may; the message never repeats what was sent.
    private func authorizationRefusal(_ request: HTTPRequest) -> String? {
        guard let authToken else { return nil }
        // Health stays open so that load balancers and orchestrators can probe without the token, and so do the
        // cassette browser's page, script and style sheet: they hold no data, and a browser cannot send a header
        // when it navigates. The page asks for the token and sends it on every call to the API it reads.
        if request.method == "GET" || request.method == "HEAD" {
            if request.path == "/_tapedeck/health" || BrowserRoute(path: request.path)?.isStatic == true { return nil }
        }
        let sent = request.headers.values("x-tapedeck-token")
        guard sent.count == 1, let token = sent.first else {
            return sent.isEmpty
                ? "this Tapedeck server requires an x-tapedeck-token header (its --auth-token)"
                : "send one x-tapedeck-token header, not \(sent.count)"
        }
        guard Self.constantTimeEqual(Array(token.utf8), authToken) else {
            return "x-tapedeck-token does not match this Tapedeck server's --auth-token"
        }
        return nil
    }

    /// Whether `a` and `b` are equal, taking the same time whatever their contents: every byte of equal-length
    /// arrays is compared and the differences accumulated, so the time does not reveal how many leading bytes match.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private func converse(_ route: ConverseRoute, _ exchange: Exchange) {
        let request = exchange.request
        var mode = configuration.mode
        if let asked = request.headers["x-tapedeck-mode"] {
            guard let chosen = ProxyMode(rawValue: asked.lowercased()) else {
                let names = ProxyMode.allCases.map(\.rawValue).joined(separator: ", ")
                return exchange.fail(.validation("x-tapedeck-mode must be one of \(names), not \"\(asked)\""))
            }
            mode = chosen
        }
        // Without an upstream nothing reaches the network, whatever the request asks for.
        if upstream == nil { mode = .replay }

        // A byte-identical repeat skips parsing and hashing; the body is parsed only when something needs it.
        var parsed: JSONValue?
        let key: CacheKey
        if let remembered = memo.key(model: route.modelId, body: request.body) {
            key = remembered
        } else {
            guard let body = parseBody(exchange) else { return }
            do {
                key = try CacheKey.derive(modelId: route.modelId, body: body, ignoring: configuration.ignoreFields)
            } catch {
                return exchange.fail(.validation("request body cannot be canonicalized: \(error)"))
            }
            memo.remember(key, model: route.modelId, body: request.body)
            parsed = body
        }
        let namespace = request.headers["x-tapedeck-namespace"] ?? configuration.namespace
        if !namespace.isEmpty, case .failure(let error) = Namespace.validate(namespace) {
            return exchange.fail(.validation("invalid x-tapedeck-namespace: \(error)"))
        }
        do {
            exchange.store = try view(namespace)
        } catch {
            return exchange.fail(.validation("invalid x-tapedeck-namespace: \(error)"))
        }
        exchange.namespace = namespace
        let session = request.headers["x-tapedeck-session"] ?? ""
        let index = configuration.repeats == .sequence && mode != .passthrough ? sessions.next(session: session, key: key) : 0
        exchange.key = key.repeated(index)
        exchange.repeatIndex = index

        var missed = false
        if mode == .auto || mode == .replay {
            switch lookup(key: key, index: index, mode: mode, exchange: exchange) {
            case .served:
                return
            case .failed(let error):
                return exchange.fail(error, outcome: .miss)
            case .record:
                break
            case .miss:
                if mode == .replay {
                    guard let body = parsed ?? parseBody(exchange) else { return }
                    return exchange.fail(.cassetteNotFound(missMessage(route: route, key: exchange.key ?? key, body: body, exchange: exchange)),
                                         outcome: .miss)
                }
                missed = true
            }
        }
        guard let body = parsed ?? parseBody(exchange) else { return }
        let outcome = Outcome(forwarding: mode)
        // Passthrough neither reads nor writes cassettes, so each request makes its own call.
        guard mode != .passthrough else {
            return forward(route: route, body: body, flight: Flight(leader: exchange), record: false, outcome: outcome)
        }
        let flightKey = MissCoalescer.FlightKey(namespace: namespace, key: key.repeated(index), operation: route.operation)
        switch coalescer.join(flightKey, exchange: exchange) {
        case .follower:
            // The leader's flight answers this request when it lands.
            return
        case .leader(let flight):
            if missed && serveLanded(flight) { return }
            forward(route: route, body: body, flight: flight, record: true, outcome: outcome)
        }
    }

    /// The request body as a JSON object, or nil after answering 400.
    private func parseBody(_ exchange: Exchange) -> JSONValue? {
        let body: JSONValue
        do {
            body = try JSONParser.parse(exchange.request.body, limits: .request)
        } catch {
            exchange.fail(.validation("request body is not valid JSON: \(error)"))
            return nil
        }
        guard body.objectValue != nil else {
            exchange.fail(.validation("request body must be a JSON object"))
            return nil
        }
        return body
    }

    /// The answer `cassette` gives in the shape `operation` expects, or a 500 saying why it cannot.
    func render(_ cassette: Cassette, operation: ConverseOperation) -> RenderedAnswer {
        let answer: RenderedAnswer.Shape
        do {
            switch operation {
            case .converse:
                let (response, servedAs) = try replay.response(for: cassette)
                answer = .converse(response, servedAs)
            case .converseStream:
                answer = .stream(try replay.stream(for: cassette))
            }
        } catch {
            let message = "cassette for key \(cassette.key.hex) cannot be served as \(operation.rawValue): \(error)"
            answer = .converse(BedrockError.internalServer(message).response(), .recorded)
        }
        return RenderedAnswer(shape: answer, cassetteKey: cassette.key, recordedAt: cassette.recordedAt, saved: TokenUsage(of: cassette))
    }

    /// Sends a hit's answer.
    func serve(_ rendered: RenderedAnswer, exchange: Exchange) {
        exchange.saved = rendered.saved
        exchange.servedNamespace = rendered.namespace
        used.withLock { _ = $0.insert(UsedCassette(namespace: rendered.namespace, key: rendered.cassetteKey)) }
        switch rendered.shape {
        case .converse(let response, let servedAs):
            exchange.send(response, outcome: .hit, servedAs: response.status == 200 ? servedAs : nil, delayMs: configuration.hitDelayMs)
        case .stream(let stream):
            exchange.send(stream, outcome: .hit, delayMs: configuration.hitDelayMs)
        }
    }

    private func missMessage(route: ConverseRoute, key: CacheKey, body: JSONValue, exchange: Exchange) -> String {
        let place = exchange.store?.description ?? store.description
        var text = "no cassette for key \(key.hex) (model \(route.modelId)) in \(place), and replay mode never calls upstream."
        let asked = body.removing(path: "requestMetadata")
        var found = nearest.nearest(model: route.modelId, namespace: exchange.namespace, request: asked)
            .map { (match: $0, namespace: exchange.namespace, store: exchange.store ?? store) }
        if found == nil, configuration.namespaceFallback, !exchange.namespace.isEmpty {
            found = nearest.nearest(model: route.modelId, namespace: "", request: asked).map { (match: $0, namespace: "", store: store) }
        }
        if let (nearest, namespace, source) = found {
            let differences: [String]
            if let recorded = recordedRequest(nearest.key, namespace: namespace, in: source) {
                differences = RequestDiff.differences(from: recorded, to: body)
            } else {
                differences = RequestDiff.differences(from: nearest.request, to: NearestIndex.condensed(body))
            }
            text += " Nearest recorded request: \(nearest.key.prefix(12)) (tapedeck show \(nearest.key.prefix(12)))"
            text += differences.isEmpty ? "." : "; it differs: " + differences.joined(separator: "; ") + "."
        }
        text += " To record it, run: tapedeck serve --store \(store.description) --upstream <URL> --mode auto"
        if configuration.upstream == nil { text += " (this server was started without --upstream)" }
        return text
    }

    /// The whole request recorded under `hex` (the index keeps long strings condensed), or nil if it cannot be read.
    private func recordedRequest(_ hex: String, namespace: String, in source: CassetteStore) -> JSONValue? {
        guard let key = CacheKey(hex: hex) else { return nil }
        if let recording = pending.cassette(namespace: namespace, key: key) {
            return recording.request
        }
        do {
            return try source.load(key)?.request
        } catch {
            // Unreadable now (removed or corrupt since it was indexed): the condensed request still tells the story.
            return nil
        }
    }

    /// Tapedeck's own GET pages: health, live statistics and Prometheus metrics.
    private func adminPage(_ path: Substring) -> HTTPResponse? {
        switch path {
        case "/_tapedeck/health": return health()
        case "/_tapedeck/stats": return statsPage()
        case "/metrics": return metricsPage()
        case "/_tapedeck/unused": return unusedPage()
        default: return nil
        }
    }

    private func unusedPage() -> HTTPResponse {
        let entries: [StoreEntry]
        do {
            entries = try unused()
        } catch {
            return BedrockError.internalServer("cannot list \(store.description): \(error)").response()
        }
        let body = JSONValue.object([
            JSONMember("count", .number(String(entries.count))),
            JSONMember("unused", .array(entries.map { entry in
                .object([JSONMember("key", .string(entry.key.hex)), JSONMember("location", .string(entry.location))])
            })),
        ])
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: JSONWriter.compact(body))
    }

    /// The store seen through `namespace` ("" is the store itself).
    func view(_ namespace: String) throws(CassetteError) -> CassetteStore {
        try views.view(namespace)
    }

    /// The cassettes no request has used since the server started, in every namespace.
    public func unused() throws(CassetteError) -> [StoreEntry] {
        let served = used.withLock { $0 }
        var unused: [StoreEntry] = []
        for namespace in [""] + (try store.namespaces()) {
            unused += try view(namespace).entries().filter { !served.contains(UsedCassette(namespace: namespace, key: $0.key)) }
        }
        return unused
    }

    /// Fills the nearest-request index from the store (run it off the event loops; misses before it ends see less).
    public func indexStore() {
        var indexed = 0
        var unreadable = 0
        do {
            for namespace in [""] + (try store.namespaces()) {
                let scoped = try view(namespace)
                for entry in try scoped.entries() {
                    do {
                        guard let cassette = try scoped.load(entry.key) else { continue }
                        nearest.insert(key: cassette.key.hex, model: cassette.modelId, namespace: namespace, request: cassette.request)
                        indexed += 1
                    } catch {
                        // An unreadable cassette cannot be anyone's nearest; `tapedeck verify` reports it.
                        unreadable += 1
                    }
                }
            }
        } catch {
            log.warn("cannot index store", [LogField("store", store.description), LogField("error", "\(error)")])
            return
        }
        log.debug("store indexed", [LogField("cassettes", indexed), LogField("unreadable", unreadable)])
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
