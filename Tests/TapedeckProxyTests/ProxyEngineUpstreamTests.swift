import Testing
@testable import TapedeckSystem
@testable import TapedeckUpstream
@testable import TapedeckProxy
import TapedeckTestSupport

/// The miss path against a real upstream: what is forwarded, what comes back, what is never recorded.
@Suite struct ProxyEngineUpstreamTests {
    /// An error answer as AWS or Bifrost sends it.
    struct UpstreamError: Sendable, CustomTestStringConvertible {
        let status: Int
        let errorType: String?
        let body: String
        var testDescription: String { "\(status) \(errorType ?? "no header")" }
    }

    static let errors = [
        UpstreamError(status: 429, errorType: "ThrottlingException",
                      body: #"{"message":"Too many requests, please wait before trying again."}"#),
        UpstreamError(status: 400, errorType: "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
                      body: #"{"message":"The provided model identifier is invalid."}"#),
        UpstreamError(status: 500, errorType: "InternalServerException", body: #"{"message":"Internal server error"}"#),
        UpstreamError(status: 429, errorType: nil,
                      body: #"{"__type": "ThrottlingException", "message": "rate limit exceeded for virtual key"}"#),
        UpstreamError(status: 402, errorType: nil, body: #"{"__type":"ServiceQuotaExceededException","message":"budget exhausted"}"#),
    ]

    @Test(arguments: errors)
    func errorAnswersPassThroughUnchangedAndAreNotRecorded(_ error: UpstreamError) throws {
        var headers = [(name: "Content-Type", value: "application/json"), (name: "x-amzn-RequestId", value: "err-1")]
        if let type = error.errorType { headers.append((name: "x-amzn-ErrorType", value: type)) }
        let reply = TestOrigin.Reply.response(status: error.status, headers: headers, body: Array(error.body.utf8))
        let proxy = try ProxyHarness(origin: { _ in reply })
        defer { proxy.stop() }

        for attempt in 1...2 {
            let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
            #expect(response.status == error.status)
            #expect(response.headers["x-amzn-ErrorType"] == error.errorType)
            #expect(response.headers["x-amzn-RequestId"] == "err-1")
            #expect(response.text == error.body)
            #expect(proxy.origin.requests.count == attempt, "an error is never replayed")
        }
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func anUnreachableUpstreamIs502NamingItAndTheServerKeepsServing() throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        defer { withExtendedLifetime(refusing) {} }
        let proxy = try ProxyHarness(upstream: .url("http://127.0.0.1:\(port)"))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for _ in 1...2 {
            let response = try client.exchange("POST", ProxyHarness.haikuPath, headers: [("Content-Type", "application/json")],
                                               body: Array(ProxyHarness.helloBody.utf8))
            #expect(response.status == 502)
            #expect(response.headers["x-amzn-ErrorType"] != nil)
            let message = try #require(response.errorMessage)
            #expect(message.contains("http://127.0.0.1:\(port)/model/"))
            #expect(message.lowercased().contains("connect"), "the cause: \(message)")
        }
        #expect(try client.exchange("GET", "/_tapedeck/health").status == 200)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test(arguments: ["<html><body>gateway says hi</body></html>", "", #"[{"text": "hi"}]"#, #""ok""#, "null"])
    func anUpstream200ThatIsNotAJSONObjectIsPassedThroughAndNotRecorded(_ text: String) throws {
        let proxy = try ProxyHarness(origin: { _ in .ok(text, headers: [("Content-Type", "text/html")]) })
        defer { proxy.stop() }

        for attempt in 1...2 {
            let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
            #expect(response.status == 200)
            #expect(response.headers["x-tapedeck"] == "miss")
            #expect(response.headers["Content-Type"] == "text/html")
            #expect(response.text == text)
            #expect(proxy.origin.requests.count == attempt)
        }
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func aCutOffUpstreamAnswerIs502AndNotRecorded() throws {
        let body = Array(BedrockOrigin.converseBody(text: "complete").utf8)
        let proxy = try ProxyHarness(origin: { _ in
            .truncated(headers: [("Content-Type", "application/json")], declaredLength: body.count, sent: Array(body.prefix(20)))
        })
        defer { proxy.stop() }

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(response.status == 502)
        #expect(response.headers["x-amzn-ErrorType"] != nil)
        #expect(response.errorMessage?.contains(proxy.origin.baseURL) == true)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func anUpstreamTimeoutIs502NamingTheCause() throws {
        let proxy = try ProxyHarness(configure: { $0.upstreamTimeoutSeconds = 1 },
                                     origin: { _ in BedrockOrigin.converse(text: "late", requestId: "r").delayed(by: 600_000) })
        defer { proxy.stop() }

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(response.status == 502)
        #expect(response.errorMessage?.lowercased().contains("timed out") == true, "\(response.text)")
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func aFailedReRecordingKeepsTheCassetteThatWasThere() throws {
        let failing = Mutex(false)
        let answers = BedrockOrigin()
        let proxy = try ProxyHarness(mode: .record, origin: { request in
            if failing.withLock({ $0 }) {
                return .response(status: 503, headers: [("x-amzn-ErrorType", "ServiceUnavailableException")],
                                 body: Array(#"{"message":"try later"}"#.utf8))
            }
            return answers.handler(request)
        })
        defer { proxy.stop() }

        let good = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let path = proxy.cassettePath(forKey: try #require(good.headers["x-tapedeck-key"]))
        let before = try #require(proxy.fileBytes(path))
        failing.withLock { $0 = true }

        let bad = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(bad.status == 503)
        #expect(bad.headers["x-amzn-ErrorType"] == "ServiceUnavailableException")
        #expect(proxy.fileBytes(path) == before)

        let replayed = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", "replay")])
        #expect(replayed.headers["x-tapedeck"] == "hit")
    }

    @Test func aChunkedClientBodyIsForwardedWhole() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let body = Array(ProxyHarness.helloBody.utf8)
        let split = 30

        let client = try RawClient(port: proxy.port)
        try client.send("POST \(ProxyHarness.haikuPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n")
        try client.send(Array(String(split, radix: 16).utf8) + [13, 10] + Array(body[..<split]) + [13, 10])
        try client.send(Array(String(body.count - split, radix: 16).utf8) + [13, 10] + Array(body[split...]) + [13, 10])
        try client.send("0\r\n\r\n")
        let response = try #require(try client.readResponse())
        #expect(response.status == 200)

        let forwarded = try #require(proxy.origin.requests.first)
        #expect(forwarded.body == body)
        #expect(forwarded.header("Transfer-Encoding") == nil)
        #expect(forwarded.header("Content-Length") == "\(body.count)")
        let hit = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(hit.headers["x-tapedeck"] == "hit")
    }

    @Test func credentialsReachUpstreamButNeverTheCassette() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let secrets = [
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/bedrock/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
            ("X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLESESSIONTOKENabc123"),
            ("x-api-key", "sk-ant-api03-EXAMPLEKEY"),
            ("x-bf-vk", "sk-bf-virtualkey-EXAMPLE"),
            ("X-Amz-Date", "20240101T000000Z"),
        ]
        let hopByHop = [
            ("Expect", "100-continue"),
            ("Connection", "keep-alive"),
            ("Accept-Encoding", "gzip, deflate"),
            ("x-tapedeck-mode", "auto"),
            ("x-tapedeck-note", "local only"),
        ]

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody,
                                      headers: secrets + hopByHop + [("User-Agent", "Boto3/1.43.0 md/Botocore#1.43.0")])
        #expect(response.status == 200)
        let forwarded = try #require(proxy.origin.requests.first)
        for (name, value) in secrets {
            #expect(forwarded.headerValues(name) == [value], "\(name) is forwarded")
        }
        #expect(forwarded.header("User-Agent") == "Boto3/1.43.0 md/Botocore#1.43.0")
        #expect(forwarded.header("Content-Type") == "application/json")
        #expect(forwarded.headerValues("Host") == ["127.0.0.1:\(proxy.origin.port)"])
        for (name, _) in hopByHop {
            #expect(forwarded.header(name) == nil, "\(name) is not forwarded")
        }
        #expect(forwarded.body == Array(ProxyHarness.helloBody.utf8))

        let key = try #require(response.headers["x-tapedeck-key"])
        let file = try #require(proxy.fileBytes(proxy.cassettePath(forKey: key)))
        let text = String(decoding: file, as: UTF8.self)
        for fragment in ["AKIDEXAMPLE", "5d672d79c15b", "FwoGZXIvYXdz", "sk-ant-api03", "sk-bf-virtualkey", "20240101T000000Z", "Boto3"] {
            #expect(!text.contains(fragment), "\(fragment) leaked into the cassette")
        }
    }

    @Test func headersNamedInConnectionAreNotForwarded() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [
            ("Connection", "keep-alive, X-Hop-Secret"),
            ("X-Hop-Secret", "for the proxy only"),
            ("X-End-To-End", "forwarded"),
        ])
        #expect(response.status == 200)
        let forwarded = try #require(proxy.origin.requests.first)
        #expect(forwarded.header("X-Hop-Secret") == nil)
        #expect(forwarded.header("X-End-To-End") == "forwarded")
    }

    @Test func upstreamsHopByHopResponseHeadersAreNotPassedOn() throws {
        let reply = BedrockOrigin.converse(text: "hi", requestId: "r-1")
        let proxy = try ProxyHarness(origin: { _ in
            var hop = reply
            hop.headers += [("Connection", "X-Upstream-Hop"), ("X-Upstream-Hop", "for the proxy only"), ("Keep-Alive", "timeout=5")]
            return hop
        })
        defer { proxy.stop() }

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(response.status == 200)
        #expect(response.headers["X-Upstream-Hop"] == nil)
        #expect(response.headers["Keep-Alive"] == nil)
        #expect(response.headers["Connection"] == nil)
        #expect(response.headers["X-Origin-Extra"] == "kept")
    }

    @Test func aHitIsAnsweredWhileAMissWaitsAtUpstream() throws {
        let gate = Gate()
        let slowBody = #"{"messages": [{"role": "user", "content": [{"text": "slow"}]}]}"#
        let answers = BedrockOrigin()
        let proxy = try ProxyHarness(eventLoops: 1, origin: { request in
            if request.bodyText == slowBody { gate.wait() }
            return answers.handler(request)
        })
        defer {
            gate.open()
            proxy.stop()
        }
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(recorded.headers["x-tapedeck"] == "miss")

        let waiting = try RawClient(port: proxy.port)
        try waiting.send("POST", ProxyHarness.haikuPath, headers: [("Content-Type", "application/json")], body: Array(slowBody.utf8))
        #expect(waitUntil { proxy.origin.requests.count == 2 }, "the slow miss reached upstream")

        let hit = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(hit.status == 200)
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(!waiting.hasBytesWaiting())

        gate.open()
        let miss = try #require(try waiting.readResponse())
        #expect(miss.status == 200)
        #expect(miss.headers["x-tapedeck"] == "miss")
        #expect(miss.text == BedrockOrigin.converseBody(text: "answer 2"))
        let key = try #require(miss.headers["x-tapedeck-key"])
        #expect(proxy.fileBytes(proxy.cassettePath(forKey: key)) != nil)
        #expect(proxy.storedFiles().count == 2)
    }
}

/// `--aws-sign`: what reaches upstream carries Tapedeck's signature, never the client's, and nothing is recorded of it.
@Suite struct ProxyEngineSigningTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDTAPEDECK", secretAccessKey: "never-in-a-cassette", sessionToken: "token-never-logged")

    @Test func forwardedRequestsAreReSignedAndTheClientsSignatureDropped() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
        let proxy = try ProxyHarness(configure: { $0.upstreamAuth = .sigV4(signer) })
        defer { proxy.stop() }
        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [
            ("Authorization", "AWS4-HMAC-SHA256 Credential=CLIENTKEY/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00"),
            ("X-Amz-Date", "20200101T000000Z"),
        ])
        #expect(response.status == 200)
        let sent = try #require(proxy.origin.requests.first)
        let authorization = try #require(sent.header("Authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTAPEDECK/"))
        #expect(authorization.contains("/us-east-1/bedrock/aws4_request"))
        #expect(!authorization.contains("CLIENTKEY"))
        #expect(sent.headerValues("Authorization").count == 1)
        #expect(sent.header("X-Amz-Date") != "20200101T000000Z")
        #expect(sent.header("X-Amz-Security-Token") == "token-never-logged")
        let files = proxy.storedFiles()
        #expect(files.count == 1)
        let text = String(decoding: proxy.fileBytes(files[0]) ?? [], as: UTF8.self)
        for secret in ["never-in-a-cassette", "token-never-logged", "AKIDTAPEDECK", "CLIENTKEY"] { #expect(!text.contains(secret)) }
    }

    @Test func aBedrockAPIKeyReplacesTheClientsAuthorization() throws {
        let proxy = try ProxyHarness(configure: { $0.upstreamAuth = .bearer("bedrock-api-key-abc") })
        defer { proxy.stop() }
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("Authorization", "Bearer client-key")])
        let sent = try #require(proxy.origin.requests.first)
        #expect(sent.headerValues("Authorization") == ["Bearer bedrock-api-key-abc"])
    }
}
