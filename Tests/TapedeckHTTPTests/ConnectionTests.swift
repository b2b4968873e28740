import Dispatch
import Testing
@testable import TapedeckHTTP
import TapedeckSystem
import TapedeckTestSupport

/// Connection on its own: a socketpair's one end opened on a single EventLoop, the other end a blocking client.
@Suite struct ConnectionTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        let texts = try (0..<3).map { _ in try #require(try client.readResponse()).text }
        #expect(texts == ["/a", "/b", "/c"])
    }

    @Test func theNextPipelinedRequestWaitsForTheAnswerBeforeIt() throws {
        let seen = Mutex<[String]>([])
        let held = Mutex<HTTPResponder?>(nil)
        let received = Gate()
        let harness = try LoopHarness { request, responder in
            seen.withLock { $0.append(request.target) }
            if request.target == "/first" {
                held.withLock { $0 = responder }
                received.open()
            } else {
                responder.respond(HTTPResponse(status: 200, body: Array(request.target.utf8)))
            }
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        received.wait()
        harness.onLoop {}
        #expect(seen.withLock { $0 } == ["/first"])
        #expect(!client.isReadable)
        try #require(held.withLock { $0 }).respond(HTTPResponse(status: 200, body: Array("/first".utf8)))
        #expect(try client.readResponse()?.text == "/first")
        #expect(try client.readResponse()?.text == "/second")
        #expect(seen.withLock { $0 } == ["/first", "/second"])
    }

    @Test func anEarlierRequestsResponderCannotAnswerTheNextOne() throws {
        let responders = Mutex<[String: HTTPResponder]>([:])
        let secondHeld = Gate()
        let harness = try LoopHarness { request, responder in
            responders.withLock { $0[request.target] = responder }
            if request.target == "/second" {
                secondHeld.open()
            } else {
                responder.respond(HTTPResponse(status: 200, body: Array(request.target.utf8)))
            }
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        secondHeld.wait()
        let first = try #require(responders.withLock { $0["/first"] })
        let second = try #require(responders.withLock { $0["/second"] })
        first.respond(HTTPResponse(status: 500, body: Array("stale".utf8)))
        second.respond(HTTPResponse(status: 200, body: Array("/second".utf8)))
        try client.send("GET /third HTTP/1.1\r\nHost: x\r\n\r\n")
        let texts = try (0..<3).map { _ in try #require(try client.readResponse()).text }
        #expect(texts == ["/first", "/second", "/third"])
    }

    @Test func aStreamArrivesInChunksEndsWithTheLastChunkAndKeepsTheConnection() throws {
        let harness = try LoopHarness { request, responder in
            guard request.target == "/stream" else {
                return responder.respond(HTTPResponse(status: 200, body: Array(request.target.utf8)))
            }
            responder.startStream(HTTPResponse(status: 200))
            responder.sendChunk(Array("one".utf8))
            // An empty chunk would read as the last one (RFC 9112 §7.1), so it is not sent.
            responder.sendChunk([])
            responder.sendChunk(Array("two".utf8))
            responder.finishStream()
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        let stream = try client.readStream()
        #expect(stream.head.hasPrefix("HTTP/1.1 200"))
        #expect(stream.head.contains("Transfer-Encoding: chunked\r\n"))
        #expect(stream.chunks.map { String(decoding: $0, as: UTF8.self) } == ["one", "two"])
        #expect(stream.finished)
        try client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse()?.text == "/after")
    }

    @Test func aStreamToAnHTTP10ClientIsPlainBytesEndedByClosing() throws {
        let harness = try LoopHarness { _, responder in
            responder.startStream(HTTPResponse(status: 200))
            responder.sendChunk(Array("one".utf8))
            responder.sendChunk(Array("two".utf8))
            responder.finishStream()
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /stream HTTP/1.0\r\n\r\n")
        let raw = try client.readToEnd()
        #expect(!raw.contains("chunked"))
        #expect(raw.hasSuffix("\r\n\r\nonetwo"))
    }

    @Test func abortClosesTheStreamWithoutTheLastChunk() throws {
        let harness = try LoopHarness { _, responder in
            responder.startStream(HTTPResponse(status: 200))
            responder.sendChunk(Array("partial".utf8))
            responder.abortStream()
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        let stream = try client.readStream()
        #expect(stream.chunks.map { String(decoding: $0, as: UTF8.self) } == ["partial"])
        #expect(!stream.finished)
    }

    @Test func aHeadAnswerLeavesItsBodyOut() throws {
        let harness = try LoopHarness { request, responder in
            responder.respond(HTTPResponse(status: 200, body: Array("body of \(request.target)".utf8)))
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try #require(try client.readResponse(bodyless: true))
        #expect(head.headers["Content-Length"] == "10")
        #expect(head.body.isEmpty)
        // Had the HEAD answer carried its 10 bytes, they would be read as the start of this one.
        #expect(try client.readResponse()?.text == "body of /g")
    }

    @Test func aClientThatHalfClosesStillGetsItsAnswerAndThenTheEnd() throws {
        let held = Mutex<HTTPResponder?>(nil)
        let received = Gate()
        let harness = try LoopHarness { _, responder in
            held.withLock { $0 = responder }
            received.open()
        }
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
        client.shutdownWrite()
        received.wait()
        try #require(held.withLock { $0 }).respond(HTTPResponse(status: 200, body: Array("late".utf8)))
        #expect(try client.readResponse()?.text == "late")
        #expect(client.readUntilClosed())
    }

    @Test func anUnreadableRequestIsAnsweredAndTheConnectionThenEnds() throws {
        let harness = try LoopHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        let response = try #require(try client.readResponse())
        #expect(response.status == 400)
        #expect(response.headers["Connection"] == "close")
        // RFC 9112 §9.6: the server shuts its side and reads on, so the client sees the answer and then the end.
        #expect(client.readUntilClosed())
    }

    /// The loop checks timeouts once a second, so this test takes about that long.
    @Test func aHeadNotReceivedWithinTheReadTimeoutIsAnswered408() throws {
        let harness = try LoopHarness(readTimeoutMs: 50)
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("POST /slow HTTP/1.1\r\nHost: x\r\n")
        let response = try #require(try client.readResponse())
        #expect(response.status == 408)
        #expect(client.readUntilClosed())
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() throws {
        let harness = try LoopHarness(idleTimeoutMs: 50)
        defer { harness.stop() }
        let client = try harness.connect()
        try client.send("GET /once HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse()?.text == "/once")
        #expect(try client.readToEnd() == "")
    }
}
