import Dispatch
import Foundation
import Glibc
import TapedeckSystem
import TapedeckHTTP

/// An in-process HTTP/1.1 origin server for tests: blocking sockets, one thread per connection.
///
/// Bound to 127.0.0.1 on a port the kernel picks (`port`). Every request is answered by the `handler`
/// closure, which runs on that connection's thread and may block (for example to wait until several requests
/// are in flight). The origin supports keep-alive, Content-Length and chunked request bodies and
/// `Expect: 100-continue`, records every request, and counts accepted connections and the most requests
/// handled at once. Call `stop()` when done (not from a handler): it closes the listener and every connection
/// and cuts any reply delay short.
///
/// ```swift
/// let origin = try TestOrigin { request in .ok("hello") }
/// defer { origin.stop() }
/// let url = origin.url("/model/m/converse")
/// ```
package final class TestOrigin: @unchecked Sendable {
    /// Decides the reply to one request.
    package typealias Handler = @Sendable (Request) -> Reply

    private struct State {
        var requests: [Request] = []
        var acceptedConnections = 0
        var inFlight = 0
        var maxInFlight = 0
        var connections: Set<Int32> = []
        var stopped = false
    }

    /// The TCP port the origin listens on, on 127.0.0.1.
    package let port: UInt16
    private let listener: Int32
    private let handler: Handler
    private let state = Mutex(State())
    private let threads = DispatchGroup()

    /// Starts listening and accepting; `handler` answers every request (by default an empty 200).
    package init(handler: @escaping Handler = { _ in .ok() }) throws {
        self.handler = handler
        let listener = try Syscall.call("socket") {
            socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            try withUnsafeMutablePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    _ = try Syscall.call("bind 127.0.0.1:0") { bind(listener, socketAddress, length) }
                    _ = try Syscall.call("getsockname") { getsockname(listener, socketAddress, &length) }
                }
            }
            _ = try Syscall.call("listen") { listen(listener, 128) }
            port = UInt16(bigEndian: address.sin_port)
        } catch {
            Syscall.close(listener)
            throw error
        }
        self.listener = listener
        threads.enter()
        Thread { [self] in
            acceptLoop()
            threads.leave()
        }.start()
    }

    /// `http://127.0.0.1:<port>`.
    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The full URL of `path` on this origin.
    package func url(_ path: String) -> String { baseURL + path }

    /// Every request received so far, in arrival order.
    package var requests: [Request] { state.withLock { $0.requests } }

    /// How many TCP connections the origin has accepted.
    package var acceptedConnections: Int { state.withLock { $0.acceptedConnections } }

    /// The most requests that were being handled (received, not yet fully answered) at the same time.
    package var maxConcurrentRequests: Int { state.withLock { $0.maxInFlight } }

    /// Closes the listener and every connection, cuts delays short, and waits for the origin's threads to end.
    package func stop() {
        let first = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.stopped = true
            // shutdown(2) wakes a thread blocked in accept/recv/send on the socket; close(2) would not.
            _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
            for fd in state.connections { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        threads.wait()
        Syscall.close(listener)
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        while true {
            let fd: Int32
            do throws(SystemError) {
                fd = try Syscall.call("accept") { accept(listener, nil, nil) }
            } catch {
                if isStopped { return }
                // Running out of descriptors or a peer giving up early must not end the accept loop.
                if error.errno == ECONNABORTED { continue }
                if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errno) {
                    usleep(10_000)
                    continue
                }
                return
            }
            let registered = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.insert(fd)
                state.acceptedConnections += 1
                return true
            }
            guard registered else {
                Syscall.close(fd)
                return
            }
            threads.enter()
            Thread { [self] in
                serve(Connection(fd: fd))
                // Unregister before closing, so `stop()` never shuts down a descriptor number already reused.
                state.withLock { _ = $0.connections.remove(fd) }
                Syscall.close(fd)
                threads.leave()
            }.start()
        }
    }

    /// Answers requests on one connection until the peer closes, asks to close, or a reply cuts it off.
    private func serve(_ connection: Connection) {
        do {
            while !isStopped, let request = try connection.readRequest() {
                state.withLock { state in
                    state.requests.append(request)
                    state.inFlight += 1
                    state.maxInFlight = max(state.maxInFlight, state.inFlight)
                }
                defer { state.withLock { $0.inFlight -= 1 } }
                let reply = handler(request)
                pause(milliseconds: reply.delayMs)
                guard !isStopped, try send(reply, on: connection, closing: request.wantsClose) else { return }
            }
        } catch {
            // A peer that goes away or sends garbage just ends this connection.
            return
        }
    }

    /// Writes `reply`; answers whether the connection may carry another request.
    private func send(_ reply: Reply, on connection: Connection, closing asked: Bool) throws -> Bool {
        let closing = asked || reply.closes
        switch reply.body {
        case .reset:
            connection.resetOnClose()
            return false
        case .whole(let bytes):
            try connection.write(reply.head(closing: closing) + bytes)
            return !closing
        case .truncated(_, let sent):
            try connection.write(reply.head(closing: true) + sent)
            return false
        case .chunked(let chunks, let finished):
            try connection.write(reply.head(closing: closing || !finished))
            for chunk in chunks {
                pause(milliseconds: chunk.delayMs)
                chunk.before?()
                guard !isStopped else { return false }
                if chunk.bytes.isEmpty { continue }
                // RFC 9112 §7.1: chunk-size in hex, CRLF, data, CRLF.
                try connection.write(Array(String(chunk.bytes.count, radix: 16).utf8) + [0x0D, 0x0A]
                                     + chunk.bytes + [0x0D, 0x0A])
            }
            guard finished else { return false }
            try connection.write(Array("0\r\n\r\n".utf8))
            return !closing
        }
    }

    /// Sleeps up to `milliseconds`, waking early once the origin stops.
    private func pause(milliseconds: Int) {
        var left = milliseconds
        while left > 0, !isStopped {
            let step = min(left, 5)
            usleep(UInt32(step * 1000))
            left -= step
        }
    }
}
