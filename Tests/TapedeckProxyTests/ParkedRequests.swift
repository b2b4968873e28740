import Testing
@testable import TapedeckSystem
@testable import TapedeckHTTP
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

    /// Sends a request on a fresh connection and answers its exchange, once the server holds it, with the client.
    func exchange() throws -> (exchange: Exchange, client: RawClient) {
        let path = "/parked/\(sent.withLock { count -> Int in count += 1; return count })"
        let client = try RawClient(port: server.port)
        try client.send("GET", path)
        var found: (HTTPRequest, HTTPResponder)?
        _ = waitUntil {
            found = parked.withLock { $0[path] }
            return found != nil
        }
        let (request, responder) = try #require(found, "the server received \(path)")
        let exchange = Exchange(request: request, responder: responder, log: ProcessLog(enabled: false), stats: ProxyStats(), ledger: nil)
        return (exchange, client)
    }

    /// Stops the server.
    func stop() {
        server.shutdown(graceMs: 10)
    }
}
