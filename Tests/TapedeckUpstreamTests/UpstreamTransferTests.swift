import Testing
import TapedeckHTTP
@testable import TapedeckUpstream
import TapedeckTestSupport

/// What one request looks like on the wire and how its answer comes back, through real libcurl.
@Suite struct UpstreamTransferTests {
    @Test(arguments: [0, 1, 70_000, 2 * 1024 * 1024])
    func postBodyArrivesByteExact(size: Int) async throws {
        let origin = try TestOrigin()
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let body = patternBytes(count: size)

        let result = await client.response(to: UpstreamRequest(url: origin.url("/model/m/converse"), body: body))

        #expect(try result.get().status == 200)
        let received = try #require(origin.requests.first)
        #expect(received.method == "POST")
        #expect(received.path == "/model/m/converse")
        #expect(received.body == body)
        #expect(received.header("Content-Length") == String(size))
        #expect(received.header("Transfer-Encoding") == nil)
        #expect(received.header("Expect") == nil)
    }

    @Test func requestHeadersAreForwardedInOrderAndCurlAddsNoneOfItsOwn() async throws {
        let origin = try TestOrigin()
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let headers = HTTPHeaders([
            ("Authorization", "Bearer sk-bf-test"),
            ("X-Dup", "1"),
            ("Host", "proxy.invalid"),
            ("Expect", "100-continue"),
            ("Connection", "close"),
            ("X-Dup", "2"),
            ("X-Empty", ""),
            ("Accept-Encoding", "gzip"),
        ])

        _ = await client.response(to: UpstreamRequest(url: origin.url("/x"), headers: headers, body: [1, 2, 3]))

        let received = try #require(origin.requests.first)
        #expect(received.header("Authorization") == "Bearer sk-bf-test")
        #expect(received.headerValues("X-Dup") == ["1", "2"])
        #expect(received.headerValues("X-Empty") == [""])
        #expect(received.header("Accept-Encoding") == "gzip")
        #expect(received.header("Host") == "127.0.0.1:\(origin.port)")
        #expect(received.header("Expect") == nil)
        #expect(received.header("Connection") == nil)
        #expect(received.header("Content-Type") == nil)
        #expect(received.header("Accept") == nil)
        #expect(received.header("User-Agent") == nil)
    }

    @Test func callerContentTypeAndAcceptAreKept() async throws {
        let origin = try TestOrigin()
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }
        let headers = HTTPHeaders([("Content-Type", "application/json"), ("Accept", "application/json")])

        _ = await client.response(to: UpstreamRequest(url: origin.url("/x"), headers: headers, body: Array("{}".utf8)))

        let received = try #require(origin.requests.first)
        #expect(received.headerValues("Content-Type") == ["application/json"])
        #expect(received.headerValues("Accept") == ["application/json"])
    }

    @Test func responseStatusHeadersAndBodyComeBackExactly() async throws {
        let body = patternBytes(count: 100_000, seed: 7)
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", "6f1c-42"),
            ("Set-Thing", "a"),
            ("Set-Thing", "b, c"),
        ]
        let origin = try TestOrigin { _ in .response(status: 201, headers: headers, body: body) }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }

        let response = try await client.response(to: UpstreamRequest(url: origin.url("/x"))).get()

        #expect(response.status == 201)
        #expect(response.headers.map(\.name) == headers.map(\.name) + ["Content-Length"])
        #expect(response.headers.map(\.value) == headers.map(\.value) + ["100000"])
        #expect(response.headers.values("set-thing") == ["a", "b, c"])
        #expect(response.body == body)
        #expect(response.latencyMs >= 0)
    }

    @Test func throttlingErrorComesBackUnchanged() async throws {
        let body = Array(#"{"message":"Too many requests, please wait before trying again."}"#.utf8)
        let origin = try TestOrigin { _ in
            .response(status: 429, headers: [("x-amzn-ErrorType", "ThrottlingException"),
                                             ("Content-Type", "application/json")], body: body)
        }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }

        let response = try await client.response(to: UpstreamRequest(url: origin.url("/x"))).get()

        #expect(response.status == 429)
        #expect(response.headers["X-Amzn-ErrorType"] == "ThrottlingException")
        #expect(response.body == body)
    }

    @Test func compressedBodiesAreNotDecoded() async throws {
        let bytes: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0xDE, 0xAD, 0xBE, 0xEF]
        let origin = try TestOrigin { _ in .response(headers: [("Content-Encoding", "gzip")], body: bytes) }
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }

        let request = UpstreamRequest(url: origin.url("/x"), headers: HTTPHeaders([("Accept-Encoding", "gzip")]))
        let response = try await client.response(to: request).get()

        #expect(response.body == bytes)
    }

    @Test(arguments: [("X-Evil", "a\r\nX-Injected: 1"), ("X-Evil", "a\nb"), ("X-Evil", "a\rb"), ("Bad\r\nName", "v"),
                      ("Colon:Name", "v"), ("", "v")])
    func headerThatCouldInjectIsRefusedBeforeSending(name: String, value: String) async throws {
        let origin = try TestOrigin()
        defer { origin.stop() }
        let client = UpstreamClient()
        defer { client.shutdown() }

        let request = UpstreamRequest(url: origin.url("/x"), headers: HTTPHeaders([(name, value)]))
        let result = await client.response(to: request)

        #expect(throws: CurlError.self) { try result.get() }
        if case .failure(let error) = result { #expect(error.code == .badFunctionArgument) }
        #expect(origin.requests.isEmpty)
    }

    @Test func onlyHTTPAndHTTPSAreSpoken() async throws {
        let client = UpstreamClient()
        defer { client.shutdown() }

        let result = await client.response(to: UpstreamRequest(url: "file:///etc/passwd"))

        #expect(throws: CurlError.self) { try result.get() }
    }
}
