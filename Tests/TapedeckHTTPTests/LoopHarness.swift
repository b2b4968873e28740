import Glibc
@testable import TapedeckHTTP
import TapedeckSystem
import TapedeckTestSupport

/// One running EventLoop of an HTTPServer that is never started, so tests reach the loop and its connections
/// directly: connections come from its own listener or are opened on one end of a socketpair.
final class LoopHarness {
    let server: HTTPServer
    let listener: Listener
    let loop: EventLoop

    /// Starts one loop on a fresh 127.0.0.1 listener; `body` answers every request.
    init(
        readTimeoutMs: Int = 30_000,
        idleTimeoutMs: Int = 75_000,
        _ body: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void = { request, responder in
            responder.respond(HTTPResponse(status: 200, body: Array(request.target.utf8)))
        }
    ) throws {
        let configuration = HTTPServer.Configuration(
            host: "127.0.0.1", port: 0, eventLoops: 1, readTimeoutMs: readTimeoutMs, idleTimeoutMs: idleTimeoutMs)
        server = HTTPServer(configuration: configuration, handler: ClosureHandler(body: body))
        listener = try Listener(host: "127.0.0.1", port: 0)
        loop = try EventLoop(index: 0, server: server)
        try loop.start(listenerFd: listener.fd)
    }

    /// A client whose peer is a Connection opened on the loop over a socketpair, without the listener.
    func connect() throws -> RawClient {
        var fds: [Int32] = [-1, -1]
        _ = try Syscall.call("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &fds) }
        let flags = try Syscall.call("fcntl") { fcntl(fds[0], F_GETFL) }
        _ = try Syscall.call("fcntl") { fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) }
        let (serverEnd, loop, server) = (fds[0], loop, server)
        loop.execute { Connection.open(fd: serverEnd, loop: loop, server: server) }
        return RawClient(connected: fds[1])
    }

    /// Runs `body` on the loop thread and waits for it: everything the loop had queued before has run.
    func onLoop(_ body: @escaping @Sendable () -> Void) {
        let done = Gate()
        loop.enqueue {
            body()
            done.open()
        }
        done.wait()
    }

    /// Drains the loop with `graceMs` for requests in flight and waits for its thread to end.
    func stop(graceMs: Int = 0) {
        loop.drain(until: MonotonicClock.milliseconds() + UInt64(graceMs))
        loop.waitUntilFinished()
    }
}
