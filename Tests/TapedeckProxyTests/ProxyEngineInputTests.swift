import Testing
@testable import TapedeckHTTP
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// Requests the engine must refuse in Bedrock's error shape, the health route, and cassettes it cannot read.
@Suite struct ProxyEngineInputTests {
    /// A Bedrock error: the status, `x-amzn-ErrorType`, JSON content type and a `{"message": …}` body.
    private static func expectBedrockError(_ response: RawResponse, _ status: Int, _ type: String,
                                           sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers["x-amzn-ErrorType"] == type, sourceLocation: sourceLocation)
        #expect(response.headers["Content-Type"] == "application/json", sourceLocation: sourceLocation)
        let members = (try? response.json)?.objectValue
        #expect(members?.map(\.key) == ["message"], sourceLocation: sourceLocation)
        #expect(members?.first?.value.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
    }

    @Test func invalidJSONIs400AndTheConnectionServesTheNextRequest() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        let bad = try client.exchange("POST", ProxyHarness.haikuPath, body: Array(#"{"messages": [}"#.utf8))
        Self.expectBedrockError(bad, 400, "ValidationException")
        #expect(bad.errorMessage?.contains("not valid JSON") == true)

        let good = try client.exchange("POST", ProxyHarness.haikuPath, body: Array(ProxyHarness.helloBody.utf8))
        #expect(good.status == 200)
        #expect(good.headers["x-tapedeck"] == "miss")
        #expect(proxy.origin.requests.count == 1)
    }

    @Test(arguments: [#"[{"role": "user"}]"#, "\"text\"", "42", "null", ""])
    func aBodyThatIsNotAJSONObjectIs400(_ body: String) throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }

        let response = try proxy.post(ProxyHarness.haikuPath, body: body)
        Self.expectBedrockError(response, 400, "ValidationException")
        #expect(proxy.origin.requests.isEmpty)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test(arguments: ["/", "/model/m/invoke-model", "/bedrock/v1/chat/completions", "/openai/model/m/converse",
                      "/model/m/converse/extra"])
    func anUnknownPathIs404InBedrocksShapeWithoutAnUpstream(_ path: String) throws {
        let proxy = try ProxyHarness(upstream: .none)
        defer { proxy.stop() }

        let response = try proxy.post(path, body: ProxyHarness.helloBody)
        #expect(response.status == 404)
        #expect(response.headers["x-amzn-ErrorType"] == "UnknownOperationException")
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(try response.json.objectValue?.map(\.key) == ["message"])
        #expect(response.errorMessage?.contains("never recorded") == true)
        #expect(proxy.origin.requests.isEmpty)
    }

    @Test func getOnABedrockRouteIs405() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }

        let response = try proxy.request("GET", ProxyHarness.haikuPath)
        #expect(response.status == 405)
        #expect(response.headers["x-amzn-ErrorType"] != nil)
        #expect(response.errorMessage?.contains("POST") == true)
        #expect(proxy.origin.requests.isEmpty)
    }

    @Test func healthReportsStatusModeStoreAndVersion() throws {
        let proxy = try ProxyHarness(mode: .record)
        defer { proxy.stop() }

        let response = try proxy.request("GET", "/_tapedeck/health")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["x-tapedeck-key"] == nil)
        let body = try response.json
        #expect(body["status"]?.stringValue == "ok")
        #expect(body["mode"]?.stringValue == "record")
        #expect(body["store"]?.stringValue == "json:…/cassettes", "the store's last component, not where it is on this machine")
        #expect(body["version"]?.stringValue == ProxyEngine.version)
        #expect(try proxy.request("POST", "/_tapedeck/health").status == 405)
    }

    @Test func headOnHealthSendsTheHeadersWithoutTheBody() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        let get = try client.exchange("GET", "/_tapedeck/health")
        try client.send("HEAD", "/_tapedeck/health")
        let head = try #require(try client.readResponse(bodyless: true))
        #expect(head.status == 200)
        #expect(head.headers["Content-Type"] == "application/json")
        #expect(head.headers["Content-Length"] == "\(get.body.count)", "RFC 9110 §8.6: the length GET would send")
        // The bytes after HEAD's head must be the next response, not a body.
        let next = try client.exchange("GET", "/_tapedeck/health")
        #expect(next.status == 200)
        #expect(next.body == get.body)
    }

    @Test func a405NamesTheAllowedMethods() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }

        let converse = try proxy.request("PUT", ProxyHarness.haikuPath, body: Array(ProxyHarness.helloBody.utf8))
        #expect(converse.status == 405)
        #expect(converse.headers["Allow"] == "POST", "RFC 9110 §15.5.6: a 405 carries Allow")
        let health = try proxy.request("DELETE", "/_tapedeck/health")
        #expect(health.status == 405)
        #expect(health.headers["Allow"] == "GET, HEAD")
    }

    @Test(arguments: ["%ZZ", "us.anthropic.claude%3", "a%00b", "%C3%28"])
    func anInvalidModelIdIs400(_ model: String) throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }

        let response = try proxy.post("/model/\(model)/converse", body: ProxyHarness.helloBody)
        Self.expectBedrockError(response, 400, "ValidationException")
        #expect(proxy.origin.requests.isEmpty)
    }

    @Test func aBodyOverTheLimitIs413InBedrocksShapeAndOthersAreStillServed() throws {
        let proxy = try ProxyHarness(limits: RequestParser.Limits(maxBodyBytes: 1024))
        defer { proxy.stop() }
        let big = #"{"messages": [{"role": "user", "content": [{"text": "\#(String(repeating: "a", count: 2000))"}]}]}"#

        let client = try RawClient(port: proxy.port)
        let response = try client.exchange("POST", ProxyHarness.haikuPath, body: Array(big.utf8))
        Self.expectBedrockError(response, 413, "ValidationException")
        #expect(response.headers["Connection"] == "close")
        #expect(client.readUntilClosed())

        let fine = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(fine.status == 200)
        #expect(proxy.origin.requests.count == 1)
    }

    // MARK: Corrupt cassettes

    @Test func aCorruptCassetteIs500InReplayAndIsRecordedAgainInAuto() throws {
        let proxy = try ProxyHarness(mode: .replay)
        defer { proxy.stop() }
        let missing = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(missing.status == 404)
        let key = try #require(missing.headers["x-tapedeck-key"])
        let path = proxy.cassettePath(forKey: key)
        try proxy.writeFile(path, Array(#"{"format": 1, "key": "#.utf8))

        let corrupt = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        Self.expectBedrockError(corrupt, 500, "InternalServerException")
        #expect(corrupt.errorMessage?.contains("…/cassettes/\(key.prefix(2))/\(key).json") == true, "\(corrupt.text)")
        #expect(corrupt.errorMessage?.contains(proxy.directory) == false, "no absolute path leaves the machine")
        #expect(proxy.origin.requests.isEmpty)

        let rerecorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", "auto")])
        #expect(rerecorded.status == 200)
        #expect(rerecorded.headers["x-tapedeck"] == "miss")
        #expect(proxy.origin.requests.count == 1)
        let cassette = try Cassette(json: json(#require(proxy.fileBytes(path))))
        #expect(cassette.key.hex == key)

        let replayed = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(replayed.status == 200)
        #expect(replayed.headers["x-tapedeck"] == "hit")
    }

    @Test func aCassetteHoldingAnotherKeyIsRefusedNotReplayed() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let second = try proxy.post(ProxyHarness.haikuPath, body: #"{"messages": []}"#)
        let firstPath = proxy.cassettePath(forKey: try #require(first.headers["x-tapedeck-key"]))
        let secondPath = proxy.cassettePath(forKey: try #require(second.headers["x-tapedeck-key"]))
        try proxy.writeFile(secondPath, try #require(proxy.fileBytes(firstPath)))

        let replay = try proxy.post(ProxyHarness.haikuPath, body: #"{"messages": []}"#, headers: [("x-tapedeck-mode", "replay")])
        Self.expectBedrockError(replay, 500, "InternalServerException")
        #expect(replay.errorMessage?.contains("…/cassettes/" + secondPath.dropFirst(proxy.store.directory.count + 1)) == true, "\(replay.text)")
        #expect(replay.errorMessage?.contains(proxy.directory) == false)
        #expect(proxy.origin.requests.count == 2)
    }

    @Test func aNewerFormatCassetteIsNeitherReplayedNorOverwrittenInAuto() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let path = proxy.cassettePath(forKey: try #require(first.headers["x-tapedeck-key"]))
        let newer = String(decoding: try #require(proxy.fileBytes(path)), as: UTF8.self)
            .replacingOccurrences(of: #""format": 1"#, with: #""format": 3"#)
        try proxy.writeFile(path, Array(newer.utf8))

        let answer = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        Self.expectBedrockError(answer, 500, "InternalServerException")
        #expect(answer.errorMessage?.contains("newer Tapedeck") == true)
        #expect(proxy.origin.requests.count == 1, "auto mode did not call upstream to re-record")
        #expect(proxy.fileBytes(path) == Array(newer.utf8), "the newer cassette is untouched")
    }
}
