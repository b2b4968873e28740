import Dispatch
import Foundation
import Testing
@testable import TapedeckSystem
@testable import TapedeckHTTP
import TapedeckTestSupport

@Suite struct HTTPServerTests {
    static func echoServer(
        limits: RequestParser.Limits = .init(),
        readTimeoutMs: Int = 30_000,
        eventLoops: Int = 2,
        _ body: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void = { request, responder in
            responder.respond(HTTPResponse(status: 200, body: Array("\(request.method) \(request.target) \(request.body.count)".utf8)))
        }
    ) throws -> HTTPServer {
        let configuration = HTTPServer.Configuration(
            host: "127.0.0.1", port: 0, eventLoops: eventLoops, limits: limits, readTimeoutMs: readTimeoutMs)
        let server = HTTPServer(configuration: configuration, handler: ClosureHandler(body: body))
        try server.start()
        return server
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        let server = try Self.echoServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        for i in 0..<5 {
            try client.send("POST /r\(i) HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            let response = try #require(try client.readResponse())
            #expect(response.status == 200)
            #expect(response.text == "POST /r\(i) 3")
            #expect(response.headers["Connection"] == nil)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstIsSlow() throws {
        let server = try Self.echoServer { request, responder in
            let response = HTTPResponse(status: 200, body: Array(request.target.utf8))
            if request.target == "/slow" {
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { responder.respond(response) }
            } else {
                responder.respond(response)
            }
        }
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        let texts = try (0..<3).map { _ in try #require(try client.readResponse()).text }
        #expect(texts == ["/slow", "/b", "/c"])
    }

    @Test func aPendingRequestNeverDelaysAnotherConnection() throws {
        let gate = Gate()
        let server = try Self.echoServer { request, responder in
            if request.target == "/wait" {
                DispatchQueue.global().async {
                    gate.wait()
                    responder.respond(HTTPResponse(status: 200, body: Array("released".utf8)))
                }
            } else {
                responder.respond(HTTPResponse(status: 200, body: Array("fast".utf8)))
            }
        }
        defer { server.shutdown() }
        let slow = try RawClient(port: server.port)
        try slow.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
        for _ in 0..<4 {
            let fast = try RawClient(port: server.port)
            try fast.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try fast.readResponse()?.text == "fast")
        }
        gate.open()
        #expect(try slow.readResponse()?.text == "released")
    }

    @Test func expectContinueIsAnsweredBeforeTheBodyIsSent() throws {
        let server = try Self.echoServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("POST /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2000\r\n\r\n")
        var interim = [UInt8](repeating: 0, count: 25)
        let n = interim.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress!, 25, Int32(MSG_WAITALL)) }
        #expect(String(decoding: interim[0..<max(0, n)], as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        try client.send([UInt8](repeating: 0x61, count: 2000))
        #expect(try client.readResponse()?.text == "POST /big 2000")
    }

    @Test func chunkedRequestBodiesAreDecoded() throws {
        let server = try Self.echoServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n")
        #expect(try client.readResponse()?.text == "POST /c 6")
    }

    @Test func oversizedHeadersGet431AndOversizedBodies413ThenTheConnectionCloses() throws {
        let server = try Self.echoServer(limits: .init(maxHeaderBytes: 1024, maxBodyBytes: 100))
        defer { server.shutdown() }
        let headers = try RawClient(port: server.port)
        try headers.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n")
        let tooBig = try #require(try headers.readResponse())
        #expect(tooBig.status == 431)
        #expect(tooBig.headers["Connection"] == "close")
        #expect(headers.readUntilClosed())

        let body = try RawClient(port: server.port)
        try body.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n")
        #expect(try body.readResponse()?.status == 413)
        #expect(body.readUntilClosed())

        let fine = try RawClient(port: server.port)
        try fine.send("GET /still-up HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try fine.readResponse()?.status == 200)
    }

    @Test func aStalledRequestGets408() throws {
        let server = try Self.echoServer(readTimeoutMs: 1)
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        #expect(try client.readResponse()?.status == 408)
    }

    @Test func streamedResponsesArriveAsChunks() throws {
        let server = try Self.echoServer { _, responder in
            responder.startStream(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/vnd.amazon.eventstream")])))
            DispatchQueue.global().async {
                for piece in ["one", "two", "three"] { responder.sendChunk(Array(piece.utf8)) }
                responder.finishStream()
            }
        }
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        for _ in 0..<2 {
            try client.send("POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            let response = try #require(try client.readResponse())
            #expect(response.headers["Transfer-Encoding"] == "chunked")
            #expect(response.text == "onetwothree")
        }
    }

    @Test func delayedResponsesDoNotHoldUpOtherConnections() throws {
        let server = try Self.echoServer { request, responder in
            let response = HTTPResponse(status: 200, body: Array(request.target.utf8))
            responder.respond(response, afterMilliseconds: request.target == "/delayed" ? 60_000 : 0)
        }
        let delayed = try RawClient(port: server.port)
        try delayed.send("GET /delayed HTTP/1.1\r\nHost: x\r\n\r\n")
        let other = try RawClient(port: server.port)
        try other.send("GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try other.readResponse()?.text == "/now")
        server.shutdown(graceMs: 10)
        #expect(delayed.readUntilClosed())
    }

    /// A one-loop server shutting down with a request in flight: `/held` waits for `release`; the idle connection has
    /// been closed by the drain (so the drain has begun on the loop holding the request); `stopped` opens once
    /// `shutdown` returns.
    private struct Draining {
        let server: HTTPServer
        let held: RawClient
        let release = Gate()
        let stopped = Gate()

        init() throws {
            let received = Gate()
            let release = self.release
            server = try HTTPServerTests.echoServer(eventLoops: 1) { request, responder in
                guard request.target == "/held" else {
                    return responder.respond(HTTPResponse(status: 200, body: Array("idle".utf8)))
                }
                received.open()
                DispatchQueue.global().async {
                    release.wait()
                    responder.respond(HTTPResponse(status: 200, body: Array("done".utf8)))
                }
            }
            let idle = try RawClient(port: server.port)
            try idle.send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try idle.readResponse()?.text == "idle")
            held = try RawClient(port: server.port)
            try held.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
            received.wait()
            let (server, stopped) = (server, stopped)
            DispatchQueue.global().async {
                server.shutdown(graceMs: 10_000)
                stopped.open()
            }
            // The drain closes idle connections at once.
            #expect(idle.readUntilClosed(), "the drain has begun")
        }
    }

    @Test func shutdownLetsAnInFlightRequestFinish() throws {
        let draining = try Draining()
        draining.release.open()
        let response = try #require(try draining.held.readResponse())
        #expect(response.text == "done")
        #expect(response.headers["Connection"] == "close")
        draining.stopped.wait()
    }

    @Test func aShutdownCutShortClosesTheRequestInFlightAndCountsIt() throws {
        let draining = try Draining()
        // Not released: the request would hold the drain for its whole grace.
        #expect(draining.server.cutShutdownShort() == 1)
        #expect(draining.held.readUntilClosed(), "the request in flight is cut off, unanswered")
        draining.stopped.wait()
        draining.release.open()
    }

    @Test func aConnectionArrivingDuringTheDrainIsAnswered503NotReset() throws {
        let draining = try Draining()
        for request in ["GET /late HTTP/1.1\r\nHost: x\r\n\r\n", "POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"] {
            let late = try RawClient(port: draining.server.port)
            try late.send(request)
            let refused = try #require(try late.readResponse(), "a late client reads an answer, not a reset")
            #expect(refused.status == 503)
            #expect(refused.headers["Connection"] == "close")
            #expect(refused.text.contains("shutting down"))
            #expect(late.readUntilClosed())
        }
        draining.release.open()
        #expect(try draining.held.readResponse()?.text == "done", "the request in flight still finishes")
        draining.stopped.wait()
    }

    @Test func anHTTP10KeepAliveAnswerSaysSoAndTheConnectionServesAgain() throws {
        let server = try Self.echoServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        for path in ["/one", "/two"] {
            try client.send("GET \(path) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try #require(try client.readResponse())
            #expect(response.text == "GET \(path) 0")
            #expect(response.headers["Connection"] == "keep-alive", "RFC 9112 Appendix C.2.2: a kept HTTP/1.0 connection is announced")
        }
        let plain = try RawClient(port: server.port)
        try plain.send("GET /three HTTP/1.0\r\n\r\n")
        #expect(try plain.readResponse()?.headers["Connection"] == "close")
        #expect(plain.readUntilClosed())
        let modern = try RawClient(port: server.port)
        try modern.send("GET /four HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try modern.readResponse()?.headers["Connection"] == nil, "HTTP/1.1 keeps connections without saying so")
    }

    @Test func servesManyConnectionsAtOnce() throws {
        let server = try Self.echoServer()
        defer { server.shutdown() }
        let clients = try (0..<300).map { _ in try RawClient(port: server.port) }
        for (i, client) in clients.enumerated() { try client.send("GET /\(i) HTTP/1.1\r\nHost: x\r\n\r\n") }
        for (i, client) in clients.enumerated() { #expect(try client.readResponse()?.text == "GET /\(i) 0") }
    }
}

@Suite struct HTTPServerManyConnectionsTests {
    /// 1,000 keep-alive connections held open do not stop requests on other connections, and each still works.
    @Test func aThousandIdleConnectionsAndHitsStillFlow() throws {
        ResourceLimits.raiseOpenFiles()
        let server = try HTTPServerTests.echoServer()
        defer { server.shutdown() }
        let idle = try (0..<1000).map { _ in try RawClient(port: server.port) }
        for i in 0..<50 {
            let client = try RawClient(port: server.port)
            try client.send("GET /busy\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse()?.text == "GET /busy\(i) 0")
        }
        for (i, client) in idle.enumerated() { try client.send("GET /idle\(i) HTTP/1.1\r\nHost: x\r\n\r\n") }
        var answered = 0
        for (i, client) in idle.enumerated() where try client.readResponse()?.text == "GET /idle\(i) 0" { answered += 1 }
        #expect(answered == 1000)
    }
}

@Suite struct HTTPServerSlowClientTests {
    /// A client that disconnects with its request in flight costs nothing: the server answers the next one.
    @Test func aClientThatLeavesMidResponseIsForgotten() throws {
        let gate = Gate()
        let server = try HTTPServerTests.echoServer { request, responder in
            if request.target == "/leave" {
                DispatchQueue.global().async {
                    gate.wait()
                    responder.startStream(HTTPResponse(status: 200))
                    for _ in 0..<100 { responder.sendChunk([UInt8](repeating: 0x61, count: 65536)) }
                    responder.finishStream()
                }
            } else {
                responder.respond(HTTPResponse(status: 200, body: Array("ok".utf8)))
            }
        }
        defer { server.shutdown() }
        do {
            let leaving = try RawClient(port: server.port)
            try leaving.send("GET /leave HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        gate.open()
        for _ in 0..<20 {
            let client = try RawClient(port: server.port)
            try client.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse()?.text == "ok")
        }
    }
}
