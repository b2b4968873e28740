import TapedeckCodec
import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore

/// Tapedeck's own routes beside the proxy: `--auth-token`, session reset, the cassette browser, health, live
/// statistics, Prometheus metrics, unused cassettes; and the store index the miss diagnostics read.
extension ProxyEngine {
    /// Answers `path` if it is one of Tapedeck's own routes (session reset, the cassette browser, health, stats,
    /// metrics, unused); false when it is none of them.
    func ownRoute(_ path: Substring, _ exchange: Exchange) -> Bool {
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
                                       body: JSONWriter.compact(body)), Exchange.Disposition(.admin))
            return true
        }
        if path == "/_tapedeck/scope" {
            scopeRoute(exchange)
            return true
        }
        if let route = BrowserRoute(path: path) {
            browse(route, exchange)
            return true
        }
        let readsStore = path == "/_tapedeck/unused"
        guard readsStore || Self.memoryPages.contains(path) else { return false }
        guard request.method == "GET" || request.method == "HEAD" else {
            // RFC 9110 §15.5.6: a 405 lists the allowed methods in Allow.
            exchange.fail(.methodNotAllowed("\(request.method) is not allowed on \(path); use GET", allow: "GET, HEAD"))
            return true
        }
        guard readsStore else {
            exchange.send(memoryPage(path), Exchange.Disposition(.admin))
            return true
        }
        readers.submit { [self] in exchange.send(unusedPage(), Exchange.Disposition(.admin)) }
        return true
    }

    /// Why `request` may not go on under `--auth-token`, or nil when it may; the message never repeats what was sent.
    func authorizationRefusal(_ request: HTTPRequest) -> String? {
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

    /// Tapedeck's own GET pages made from memory alone, answered on the event loop.
    private static let memoryPages: Set<Substring> = ["/_tapedeck/health", "/_tapedeck/stats", "/metrics"]

    /// One of `memoryPages`: health, live statistics or Prometheus metrics.
    private func memoryPage(_ path: Substring) -> HTTPResponse {
        switch path {
        case "/_tapedeck/health": health()
        case "/_tapedeck/stats": statsPage()
        default: metricsPage()
        }
    }

    private func unusedPage() -> HTTPResponse {
        let entries: [UnusedCassette]
        do {
            entries = try unused()
        } catch {
            return BedrockError.internalServer(clientPaths.scrub("cannot list \(store.description): \(error)")).response()
        }
        let body = JSONValue.object([
            JSONMember("count", .number(String(entries.count))),
            JSONMember("unused", .array(entries.map { entry in
                .object([
                    JSONMember("namespace", .string(entry.namespace)), JSONMember("key", .string(entry.entry.key.hex)),
                    JSONMember("location", .string(clientPaths.scrub(entry.entry.location))),
                ])
            })),
        ])
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: JSONWriter.compact(body))
    }

    /// The store seen through `namespace` ("" is the store itself).
    func view(_ namespace: String) throws(CassetteError) -> CassetteStore {
        try views.view(namespace)
    }

    /// The cassettes no request has used since the server started, in every namespace.
    public func unused() throws(CassetteError) -> [UnusedCassette] {
        let served = used.withLock { $0 }
        var unused: [UnusedCassette] = []
        for namespace in [""] + (try store.namespaces()) {
            for entry in try view(namespace).entries() where !served.contains(NamespacedKey(namespace: namespace, key: entry.key)) {
                unused.append(UnusedCassette(namespace: namespace, entry: entry))
            }
        }
        return unused
    }

    /// Fills the nearest-request index from the store on a thread of its own; a replay miss's message waits for it.
    public func indexStoreInBackground() {
        indexing.enter()
        OSThread.start(name: "tapedeck-index") { [self] in
            indexStore()
            indexing.leave()
        }
    }

    /// Fills the nearest-request index from the store (run it off the event loops).
    public func indexStore() {
        var indexed = 0
        var unreadable = 0
        do {
            for namespace in [""] + (try store.namespaces()) {
                let scoped = try view(namespace)
                for entry in try scoped.entries() {
                    do {
                        guard let cassette = try scoped.load(entry.key) else { continue }
                        let keyed = cassette.keyedRequest
                        nearest.insert(key: cassette.key.hex, model: keyed.nearestGroup, namespace: namespace, request: keyed.comparable)
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
            JSONMember("store", .string(clientPaths.scrub(store.description))),
            JSONMember("version", .string(Self.version)),
        ])
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: JSONWriter.compact(body))
    }
}

/// A cassette no request has used since the server started, and the namespace it is in ("" the shared one).
public struct UnusedCassette: Sendable, Equatable {
    public var namespace: String
    public var entry: StoreEntry
}
