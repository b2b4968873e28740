import Glibc
import Testing
@testable import TapedeckUpstream
import TapedeckTestSupport

/// The test origin itself, driven with hand-written HTTP bytes for what libcurl never sends.
@Suite struct TestOriginTests {
    private static func echo(_ request: TestOrigin.Request) -> TestOrigin.Reply {
        .ok("\(request.method) \(request.path) \(request.bodyText)")
    }

    @Test func chunkedRequestBodyIsDecoded() async throws {
        let origin = try TestOrigin(handler: Self.echo)
        defer { origin.stop() }

        let response = try await onOwnThread {
            let client = try RawClient(port: Int(origin.port))
            try client.send("POST /c?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
            return try client.readResponse()?.text
        }

        #expect(response == "POST /c?x=1 hello world")
        #expect(origin.requests.first?.header("transfer-encoding") == "chunked")
    }

    @Test func expectContinueGetsAnInterimResponseBeforeTheBody() async throws {
        let origin = try TestOrigin(handler: Self.echo)
        defer { origin.stop() }

        let (interim, response) = try await onOwnThread {
            let client = try RawClient(port: Int(origin.port))
            try client.send("POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
            let interim = try client.readHead()
            try client.send("abc")
            return (interim, try client.readResponse()?.text)
        }

        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(response == "POST /e abc")
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnectionUntilClose() async throws {
        let origin = try TestOrigin(handler: Self.echo)
        defer { origin.stop() }

        let (first, second, last) = try await onOwnThread {
            let client = try RawClient(port: Int(origin.port))
            try client.send("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\na")
            let first = try client.readResponse()
            try client.send("POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nb")
            let second = try client.readResponse()
            try client.send("POST /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            return (first?.text, second?.text, try client.readToEnd())
        }

        #expect(first == "POST /1 a")
        #expect(second == "POST /2 b")
        #expect(last.contains("Connection: close\r\n"))
        #expect(last.hasSuffix("\r\n\r\nPOST /3 "))
        #expect(origin.acceptedConnections == 1)
        #expect(origin.requests.map(\.path) == ["/1", "/2", "/3"])
    }

    @Test func cutOffChunkedReplyClosesWithoutTheLastChunk() async throws {
        let origin = try TestOrigin { _ in .chunkedCutOff(chunks: [TestOrigin.Chunk("abc"), TestOrigin.Chunk("de")]) }
        defer { origin.stop() }

        let raw = try await onOwnThread {
            let client = try RawClient(port: Int(origin.port))
            try client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
            return try client.readToEnd()
        }

        #expect(raw.contains("Transfer-Encoding: chunked\r\n"))
        #expect(raw.hasSuffix("\r\n\r\n3\r\nabc\r\n2\r\nde\r\n"))
    }

    @Test func stopCutsALongDelayShort() async throws {
        let origin = try TestOrigin { _ in TestOrigin.Reply.ok().delayed(by: 600_000) }

        let raw = try await onOwnThread {
            let client = try RawClient(port: Int(origin.port))
            try client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
            guard waitUntil({ !origin.requests.isEmpty }) else {
                origin.stop()
                return "the request never reached the origin"
            }
            origin.stop()
            return try client.readToEnd()
        }

        #expect(raw.isEmpty)
        #expect(origin.maxConcurrentRequests == 1)
    }
}
