internal import CLinux
import Glibc
import TapedeckSystem

/// One client connection, owned by its event loop's thread: reads, parses, hands requests to the handler one
/// at a time (so pipelined responses leave in order) and writes what the handler answers.
final class Connection {
    let fd: Int32
    let token: UInt64
    private unowned let loop: EventLoop
    private unowned let server: HTTPServer
    private var input: UnsafeMutablePointer<UInt8>
    private var inputCapacity: Int
    private var readIndex = 0
    private var writeIndex = 0
    private var parser: RequestParser
    private var output: [UInt8] = []
    private var outputIndex = 0
    private var watchingWrite = false
    private var watchingRead = true
    private(set) var isClosed = false
    /// A request has been handed to the handler and its response is not complete yet.
    private var inFlight = false
    private var sequence: UInt64 = 0
    private var keepAliveAfterResponse = true
    private var chunkedResponse = false
    /// The request in flight is HEAD, so its response goes out without a body.
    private var answeringHead = false
    private var closeAfterFlush = false
    private var peerClosed = false
    private var processing = false
    private var lastActivity: UInt64
    private var draining = false
    /// Accepted while the server drains: its first request is answered 503 and the connection closed.
    private(set) var refusing = false
    /// The request in flight is HTTP/1.0, whose kept connection is announced with `Connection: keep-alive`.
    private var answeringHTTP10 = false
    /// After an error answer: the write side is shut and input is discarded until EOF, so the client reads
    /// the answer instead of a reset (RFC 9112 §9.6).
    private var lingering = false
    private var lingerAfterFlush = false
    /// The producer of the streamed response in flight that asked to hear when its output backs up (`watchBacklog`).
    private var backlogWatch: BacklogWatch?

    private static let initialCapacity = 16 * 1024
    private static let maxInputCapacity = 256 * 1024
    private static let maxPendingOutput = 4 * 1024 * 1024

    private init(fd: Int32, loop: EventLoop, server: HTTPServer) {
        self.fd = fd
        self.loop = loop
        self.server = server
        token = loop.nextToken(for: fd)
        inputCapacity = Self.initialCapacity
        input = .allocate(capacity: inputCapacity)
        parser = RequestParser(limits: server.configuration.limits)
        lastActivity = MonotonicClock.milliseconds()
    }

    deinit {
        input.deallocate()
    }

    /// Sets up a freshly accepted descriptor and starts watching it.
    static func open(fd: Int32, loop: EventLoop, server: HTTPServer) {
        var one: Int32 = 1
        // Responses leave in one write, but streamed chunks must not wait for Nagle and delayed ACK.
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connection = Connection(fd: fd, loop: loop, server: server)
        connection.refusing = loop.draining
        loop.register(connection)
        loop.watch(fd: fd, token: connection.token, readable: true, writable: false, add: true)
    }

    // MARK: Events

    func handle(events: UInt32) {
        if events & EPOLLOUT.rawValue != 0 { flush() }
        if isClosed { return }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { readAvailable() }
    }

    private func readAvailable() {
        if lingering {
            discardInput()
            return
        }
        while !isClosed {
            if writeIndex == inputCapacity && !makeRoom() {
                updateInterest()
                break
            }
            let received: Int?
            do throws(SystemError) {
                received = try Syscall.nonBlocking("recv") { recv(fd, input + writeIndex, inputCapacity - writeIndex, 0) }
            } catch {
                close()
                return
            }
            guard let n = received else { break }
            if n == 0 {
                peerClosed = true
                break
            }
            writeIndex += n
            lastActivity = MonotonicClock.milliseconds()
            if writeIndex < inputCapacity { break }
        }
        process()
        if peerClosed && !isClosed {
            if inFlight || outputIndex < output.count { closeAfterFlush = true; updateInterest() } else { close() }
        }
    }

    /// Frees space at the end of the input buffer; false when it is full of one unfinished request.
    private func makeRoom() -> Bool {
        if readIndex > 0 {
            let unread = writeIndex - readIndex
            (input).update(from: input + readIndex, count: unread)
            readIndex = 0
            writeIndex = unread
            return true
        }
        guard inputCapacity < Self.maxInputCapacity, !inFlight else { return false }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity * 2)
        bigger.update(from: input, count: writeIndex)
        input.deallocate()
        input = bigger
        inputCapacity *= 2
        return true
    }

    // MARK: Requests

    /// Parses and dispatches buffered requests until one is in flight or the buffer runs dry.
    private func process() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while !inFlight && !isClosed && !closeAfterFlush && !draining {
            let event: RequestParser.Event?
            do {
                let result = try parser.parse(UnsafeBufferPointer(start: input + readIndex, count: writeIndex - readIndex))
                readIndex += result.consumed
                event = result.event
            } catch {
                fail(error)
                break
            }
            guard let event else { break }
            if refusing {
                // RFC 9110 §15.6.4: 503, the server is going away; the client may retry elsewhere or later.
                fail(HTTPError(status: 503, "the server is shutting down; retry shortly"))
                break
            }
            switch event {
            case .head(let head):
                // RFC 9110 §10.1.1: answer 100 Continue at once, or curl waits a second before sending the body.
                if head.expectsContinue && head.headers["Content-Length"] != "0" {
                    output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    flush()
                }
            case .request(let request):
                dispatch(request)
            }
        }
        if readIndex == writeIndex {
            readIndex = 0
            writeIndex = 0
        }
        flush()
        updateInterest()
    }

    private func dispatch(_ request: HTTPRequest) {
        inFlight = true
        sequence &+= 1
        keepAliveAfterResponse = request.head.keepAlive && !draining
        chunkedResponse = request.head.minorVersion >= 1
        answeringHTTP10 = request.head.minorVersion == 0
        answeringHead = request.method == "HEAD"
        server.handler.handle(request, responder: HTTPResponder(connection: self, loop: loop, sequence: sequence))
    }

    private func fail(_ error: HTTPError) {
        let response = server.configuration.errorResponse(error)
        response.serialize(into: &output, keepAlive: false)
        closeAfterFlush = true
        lingerAfterFlush = !peerClosed
        flush()
    }

    private func discardInput() {
        while !isClosed {
            let received: Int?
            do throws(SystemError) {
                received = try Syscall.nonBlocking("recv") { recv(fd, input, inputCapacity, 0) }
            } catch {
                close()
                return
            }
            guard let n = received else { return }
            if n == 0 { close() }
        }
    }

    // MARK: Responses (called by HTTPResponder on the loop thread)

    func complete(sequence: UInt64, response: HTTPResponse) {
        guard !isClosed, inFlight, sequence == self.sequence else { return }
        if draining { keepAliveAfterResponse = false }
        response.serialize(into: &output, keepAlive: keepAliveAfterResponse, announceKeepAlive: answeringHTTP10, omitBody: answeringHead)
        finishResponse()
    }

    func startStream(sequence: UInt64, response: HTTPResponse) {
        guard !isClosed, inFlight, sequence == self.sequence else { return }
        if !chunkedResponse || draining { keepAliveAfterResponse = false }
        response.serialize(into: &output, keepAlive: keepAliveAfterResponse, chunked: chunkedResponse)
        flush()
    }

    func sendChunk(sequence: UInt64, bytes: [UInt8]) {
        guard !isClosed, inFlight, sequence == self.sequence, !bytes.isEmpty else { return }
        if chunkedResponse {
            output.append(contentsOf: String(bytes.count, radix: 16).utf8)
            output.append(contentsOf: [0x0D, 0x0A])
            output.append(contentsOf: bytes)
            output.append(contentsOf: [0x0D, 0x0A])
        } else {
            output.append(contentsOf: bytes)
        }
        flush()
        if !isClosed { backlogWatch?.check(unsent: output.count - outputIndex) }
    }

    /// Tells `watch` when the unsent output of the streamed response `sequence` crosses its marks, until the
    /// response ends or the connection closes (which counts as drained).
    func watchBacklog(sequence: UInt64, _ watch: BacklogWatch) {
        guard !isClosed, inFlight, sequence == self.sequence else { return watch.release() }
        backlogWatch?.release()
        backlogWatch = watch
        watch.check(unsent: output.count - outputIndex)
    }

    /// Ends the backlog watch of the response that just finished: a paused producer is told it may go on.
    private func releaseBacklogWatch() {
        guard let watch = backlogWatch else { return }
        backlogWatch = nil
        watch.release()
    }

    func finishStream(sequence: UInt64) {
        guard !isClosed, inFlight, sequence == self.sequence else { return }
        if chunkedResponse { output.append(contentsOf: "0\r\n\r\n".utf8) }
        finishResponse()
    }

    /// Drops the connection mid-response: what was queued is flushed if the socket takes it, then it closes.
    func abort(sequence: UInt64) {
        guard !isClosed, inFlight, sequence == self.sequence else { return }
        inFlight = false
        releaseBacklogWatch()
        keepAliveAfterResponse = false
        closeAfterFlush = true
        flush()
        if !isClosed { close() }
    }

    private func finishResponse() {
        inFlight = false
        releaseBacklogWatch()
        lastActivity = MonotonicClock.milliseconds()
        if !keepAliveAfterResponse || peerClosed || draining { closeAfterFlush = true }
        if processing { return }
        flush()
        if !isClosed { process() }
    }

    // MARK: Writing

    private func flush() {
        while outputIndex < output.count && !isClosed {
            let sent: Int?
            do throws(SystemError) {
                sent = try Syscall.nonBlocking("send") {
                    output.withUnsafeBytes { raw in send(fd, raw.baseAddress! + outputIndex, raw.count - outputIndex, Int32(MSG_NOSIGNAL)) }
                }
            } catch {
                close()
                return
            }
            guard let n = sent else { break }
            outputIndex += n
            lastActivity = MonotonicClock.milliseconds()
        }
        backlogWatch?.check(unsent: output.count - outputIndex)
        if outputIndex == output.count {
            if output.capacity > 1 << 20 { output = [] } else { output.removeAll(keepingCapacity: true) }
            outputIndex = 0
            if closeAfterFlush && !inFlight {
                if lingerAfterFlush && !lingering {
                    lingering = true
                    lastActivity = MonotonicClock.milliseconds()
                    shutdown(fd, Int32(SHUT_WR))
                    loop.watch(fd: fd, token: token, readable: true, writable: false, add: false)
                    watchingRead = true
                    watchingWrite = false
                    return
                }
                close()
                return
            }
        }
        updateInterest()
    }

    private func updateInterest() {
        guard !isClosed, !lingering else { return }
        let pending = outputIndex < output.count
        let inputFull = inFlight && writeIndex == inputCapacity && readIndex == 0
        let wantRead = !peerClosed && !closeAfterFlush && !inputFull && output.count - outputIndex < Self.maxPendingOutput
        guard wantRead != watchingRead || pending != watchingWrite else { return }
        watchingRead = wantRead
        watchingWrite = pending
        loop.watch(fd: fd, token: token, readable: wantRead, writable: pending, add: false)
    }

    // MARK: Lifecycle

    func close() {
        guard !isClosed else { return }
        isClosed = true
        loop.unregister(self)
        Syscall.close(fd)
        releaseBacklogWatch()
    }

    func beginDrain() {
        draining = true
        if !inFlight && outputIndex == output.count { close() } else { closeAfterFlush = true }
    }

    func checkTimeouts(now: UInt64) {
        let config = server.configuration
        let quiet = now - min(now, lastActivity)
        if lingering {
            if quiet >= 2000 { close() }
            return
        }
        if outputIndex < output.count {
            if quiet >= UInt64(config.writeTimeoutMs) { close() }
            return
        }
        if inFlight { return }
        // A head has the read timeout from its first byte, so a client sending a byte every few seconds
        // (slowloris) is cut off all the same; a body may take longer, but never pause that long.
        let headAge = parser.headStartedAt.map { now - min(now, $0 / 1_000_000) } ?? 0
        if parser.isIdle && readIndex == writeIndex {
            if quiet >= UInt64(config.idleTimeoutMs) { close() }
        } else if max(quiet, headAge) >= UInt64(config.readTimeoutMs) {
            fail(HTTPError(status: 408, "request not received within \(config.readTimeoutMs / 1000) s"))
        }
    }
}
