import Glibc
import Testing
@testable import TapedeckProxy
import TapedeckTestSupport

/// The four modes, the per-request `x-tapedeck-mode` header, and the settings that shape a hit.
@Suite struct ProxyEngineModeTests {
    private static func answerText(_ response: RawResponse) throws -> String? {
        try response.json.at("output", "message", "content")?.arrayValue?.first?["text"]?.stringValue
    }

    private static func recordedText(_ proxy: ProxyHarness, key: String) throws -> String? {
        let bytes = try #require(proxy.fileBytes(proxy.cassettePath(forKey: key)))
        return try json(bytes).at("response", "body", "output", "message", "content")?.arrayValue?.first?["text"]?.stringValue
    }

    // MARK: replay

    @Test func aReplayMissIs404NamingTheKeyModelStoreAndHowToRecord() throws {
        let proxy = try ProxyHarness(mode: .replay)
        defer { proxy.stop() }

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(response.status == 404)
        #expect(response.headers["x-amzn-ErrorType"] == "CassetteNotFoundException")
        #expect(response.headers["Content-Type"] == "application/json")
        let key = try #require(response.headers["x-tapedeck-key"])
        let message = try #require(response.errorMessage)
        #expect(message.contains(key))
        #expect(message.contains(ProxyHarness.haiku))
        // The store is named without the machine's absolute path (ClientPaths).
        #expect(message.contains("json:…/cassettes"))
        #expect(message.contains("tapedeck serve --store json:…/cassettes --upstream"))
        #expect(!message.contains(proxy.directory))
        #expect(try response.json.objectValue?.map(\.key) == ["message"])
        #expect(proxy.origin.requests.isEmpty)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func withoutAnUpstreamNoRequestedModeReachesTheNetwork() throws {
        let proxy = try ProxyHarness(upstream: .none)
        defer { proxy.stop() }

        for asked in ["auto", "record", "passthrough"] {
            let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", asked)])
            #expect(response.status == 404, "x-tapedeck-mode: \(asked)")
            #expect(response.headers["x-amzn-ErrorType"] == "CassetteNotFoundException")
            #expect(response.errorMessage?.contains("without --upstream") == true)
        }
        #expect(proxy.origin.requests.isEmpty)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func theModeHeaderOverridesTheServerModeForOneRequest() throws {
        let proxy = try ProxyHarness(mode: .replay)
        defer { proxy.stop() }

        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("X-Tapedeck-Mode", "AUTO")])
        #expect(recorded.status == 200)
        #expect(recorded.headers["x-tapedeck"] == "miss")
        #expect(proxy.origin.requests.count == 1)
        #expect(proxy.origin.requests.first?.header("x-tapedeck-mode") == nil)

        let replayed = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(replayed.status == 200)
        #expect(replayed.headers["x-tapedeck"] == "hit")

        let other = try proxy.post(ProxyHarness.haikuPath, body: #"{"messages": []}"#)
        #expect(other.status == 404, "without the header the server's replay mode applies again")
        #expect(proxy.origin.requests.count == 1)
    }

    @Test func anUnknownModeHeaderIs400() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }

        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", "fast-forward")])
        #expect(response.status == 400)
        #expect(response.headers["x-amzn-ErrorType"] == "ValidationException")
        let message = try #require(response.errorMessage)
        #expect(message.contains("fast-forward"))
        #expect(message.contains("auto, replay, record, passthrough"))
        #expect(proxy.origin.requests.isEmpty)
        #expect(proxy.storedFiles().isEmpty)
    }

    // MARK: record and passthrough

    @Test func recordAlwaysForwardsAndOverwritesWithTheNewerAnswer() throws {
        let proxy = try ProxyHarness(mode: .record)
        defer { proxy.stop() }

        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(first.headers["x-tapedeck"] == "record")
        let key = try #require(first.headers["x-tapedeck-key"])
        #expect(try Self.recordedText(proxy, key: key) == "answer 1")

        let second = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(second.headers["x-tapedeck"] == "record")
        #expect(try Self.answerText(second) == "answer 2")
        #expect(proxy.origin.requests.count == 2)
        #expect(try Self.recordedText(proxy, key: key) == "answer 2")
        #expect(proxy.storedFiles() == [proxy.cassettePath(forKey: key)])

        let replayed = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", "replay")])
        #expect(replayed.headers["x-tapedeck"] == "hit")
        #expect(try Self.answerText(replayed) == "answer 2")
    }

    @Test func passthroughForwardsButNeitherReadsNorWritesCassettes() throws {
        let proxy = try ProxyHarness(mode: .passthrough)
        defer { proxy.stop() }

        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(first.status == 200)
        #expect(first.headers["x-tapedeck"] == "passthrough")
        #expect(first.text == BedrockOrigin.converseBody(text: "answer 1"))
        #expect(proxy.storedFiles().isEmpty)

        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", "auto")])
        #expect(recorded.headers["x-tapedeck"] == "miss")
        let path = proxy.cassettePath(forKey: try #require(recorded.headers["x-tapedeck-key"]))
        let before = try #require(proxy.fileBytes(path))

        let again = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(again.headers["x-tapedeck"] == "passthrough", "an existing cassette is not served")
        #expect(again.text == BedrockOrigin.converseBody(text: "answer 3"))
        #expect(proxy.origin.requests.count == 3)
        #expect(proxy.fileBytes(path) == before)
        #expect(proxy.storedFiles() == [path])
    }

    // MARK: hit settings

    @Test func hitUsageZeroZeroesEveryTokenCountOnHitsOnly() throws {
        let proxy = try ProxyHarness { $0.hitUsage = .zero }
        defer { proxy.stop() }

        let miss = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(try miss.json.at("usage", "inputTokens")?.numberLiteral == "12", "a miss reports what upstream used")
        let hit = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(hit.headers["x-tapedeck"] == "hit")
        let usage = try #require(try hit.json["usage"]?.objectValue)
        #expect(Set(usage.map(\.key)) == ["inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens"])
        #expect(usage.allSatisfy { $0.value.numberLiteral == "0" })
        let key = try #require(hit.headers["x-tapedeck-key"])
        let file = try json(#require(proxy.fileBytes(proxy.cassettePath(forKey: key))))
        #expect(file.at("response", "body", "usage", "totalTokens")?.numberLiteral == "15", "the cassette keeps the real usage")
    }

    @Test func hitLatencySetsTheReportedLatency() throws {
        let proxy = try ProxyHarness { $0.hitLatencyMs = 25 }
        defer { proxy.stop() }

        let miss = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(try miss.json.at("metrics", "latencyMs")?.numberLiteral == "321")
        let hit = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(try hit.json.at("metrics", "latencyMs")?.numberLiteral == "25")
        #expect(try hit.json.at("usage", "inputTokens")?.numberLiteral == "12")
    }

    @Test func aDelayedHitDoesNotHoldUpOtherConnections() throws {
        let proxy = try ProxyHarness(eventLoops: 1) { $0.hitDelayMs = 60_000 }
        defer { proxy.stop() }
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(recorded.headers["x-tapedeck"] == "miss", "misses are not delayed")

        let delayed = try RawClient(port: proxy.port)
        try delayed.send("POST", ProxyHarness.haikuPath, headers: [("Content-Type", "application/json")],
                         body: Array(ProxyHarness.helloBody.utf8))

        let health = try proxy.request("GET", "/_tapedeck/health")
        #expect(health.status == 200)
        let other = try proxy.post(ProxyHarness.haikuPath, body: #"{"messages": [{"role": "user", "content": [{"text": "Bye"}]}]}"#)
        #expect(other.status == 200)
        #expect(other.headers["x-tapedeck"] == "miss")
        #expect(!delayed.hasBytesWaiting(), "the delayed hit is still pending while others were answered")
        #expect(proxy.origin.requests.count == 2)

        proxy.server.shutdown(graceMs: 10)
        #expect(try delayed.readResponse() == nil, "shutdown cuts the pending hit off instead of waiting a minute")
    }
}

extension RawClient {
    /// Whether the server has sent bytes this client has not read yet (never blocks).
    func hasBytesWaiting() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }
}
