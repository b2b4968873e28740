import Testing
@testable import TapedeckSystem
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// A real server whose handler keeps every request's responder, so tests can build exchanges that answer real clients.
final class ParkedRequests: Sendable {
    private let server: HTTPServer
    private let parked: Mutex<[String: (HTTPRequest, HTTPResponder)]>
    private let sent = Mutex(0)

    /// Starts the server on a port the kernel picks.
    init() throws {
        let parked = Mutex([String: (HTTPRequest, HTTPResponder)]())
        self.parked = parked
        server = HTTPServer(
            configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0, eventLoops: 2),
            handler: ClosureHandler { request, responder in parked.withLock { $0[String(request.path)] = (request, responder) } })
        try server.start()
    }

    /// A request the server holds: its exchange, the client waiting for the answer, and the request as the proxy
    /// would have resolved it.
    struct Parked {
        let exchange: Exchange
        let client: RawClient
        let resolved: ResolvedRequest
    }

    /// Where parked requests' cassettes would be: a store nobody writes to.
    static let noStore = JSONFileStore(directory: "/nonexistent/tapedeck-parked-requests")

    /// Sends a request on a fresh connection and answers its exchange, once the server holds it, with the client;
    /// the request is resolved as a Converse request for `key` in `namespace` whose cassette lives in `store`, and
    /// its exchange counts into `stats` and logs to `log`.
    func exchange(
        key: CacheKey = CacheKey(hex: String(repeating: "ab", count: 32))!, operation: BedrockOperation = .converse,
        store: CassetteStore = ParkedRequests.noStore, method: String = "GET", namespace: String = "",
        stats: ProxyStats = ProxyStats(), log: ProcessLog = ProcessLog(enabled: false)
    ) throws -> Parked {
        let path = "/parked/\(sent.withLock { count -> Int in count += 1; return count })"
        let client = try RawClient(port: server.port)
        try client.send(method, path)
        var found: (HTTPRequest, HTTPResponder)?
        _ = waitUntil {
            found = parked.withLock { $0[path] }
            return found != nil
        }
        let (request, responder) = try #require(found, "the server received \(path)")
        let route = BedrockRoute(prefix: "", modelId: ProxyHarness.haiku, operation: operation)
        let resolved = ResolvedRequest(
            request: request, route: route, mode: .auto, namespace: namespace, store: store, baseKey: key, repeatIndex: 0,
            parsed: KeyedRequest(operation: operation, modelId: ProxyHarness.haiku, body: .json(.object([]))))
        let exchange = Exchange(
            request: request, responder: responder, log: log, stats: stats, ledger: nil, route: route, key: key,
            namespace: namespace)
        return Parked(exchange: exchange, client: client, resolved: resolved)
    }

    /// Stops the server.
    func stop() {
        server.shutdown(graceMs: 10)
    }
}
