import Testing
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// Auto mode end to end: a miss is forwarded and recorded, the same request is then a hit; what makes two
/// requests the same; and the routes that reach the engine.
@Suite struct ProxyEngineTests {
    private static func isLowerHex(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    @Test func aMissIsForwardedAndRecordedThenTheSameRequestIsAHit() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }

        let miss = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(miss.status == 200)
        #expect(miss.headers["x-tapedeck"] == "miss")
        let key = try #require(miss.headers["x-tapedeck-key"])
        #expect(key.utf8.count == 64 && Self.isLowerHex(key))
        #expect(miss.text == BedrockOrigin.converseBody(text: "answer 1"), "a miss returns upstream's exact bytes")
        #expect(miss.headers["x-amzn-RequestId"] == "origin-request-1")
        #expect(miss.headers["Content-Type"] == "application/json")
        #expect(miss.headers["X-Origin-Extra"] == "kept")
        #expect(miss.headers.values("Content-Length") == ["\(miss.body.count)"])
        #expect(proxy.origin.requests.count == 1)
        #expect(proxy.storedFiles() == [proxy.cassettePath(forKey: key)])

        let hit = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(hit.status == 200)
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(hit.headers["x-tapedeck-key"] == key)
        #expect(proxy.origin.requests.count == 1, "a hit never reaches upstream")
        let body = try hit.json
        #expect(body.at("output", "message", "content")?.arrayValue?.first?["text"]?.stringValue == "answer 1")
        #expect(body["stopReason"]?.stringValue == "end_turn")
        #expect(body.at("metrics", "latencyMs")?.numberLiteral == "0")
        #expect(sameJSON(body["usage"], try json(Array(BedrockOrigin.usage.utf8))), "usage is the recorded one")
        #expect(hit.headers["Content-Type"] == "application/json")

        let requestId = try #require(hit.headers["x-amzn-RequestId"])
        let groups = requestId.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        #expect(groups.map(\.utf8.count) == [8, 4, 4, 4, 12])
        #expect(groups.allSatisfy(Self.isLowerHex))
        let digits = Array(groups.joined()), keyDigits = Array(key.prefix(32))
        #expect(digits[12] == "8" && "89ab".contains(digits[16]), "an RFC 9562 version-8 UUID")
        #expect(digits.indices.allSatisfy { $0 == 12 || $0 == 16 || digits[$0] == keyDigits[$0] }, "the request id is derived from the key")

        let again = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(again.body == hit.body)
        #expect(again.headers == hit.headers)
        #expect(proxy.origin.requests.count == 1)
    }

    @Test func theCassetteFileHoldsTheRequestWithoutMetadataAndUpstreamsAnswer() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let body = #"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}], "requestMetadata": {"team": "search"}}"#

        let miss = try proxy.post(ProxyHarness.haikuPath, body: body)
        let key = try #require(miss.headers["x-tapedeck-key"])
        let bytes = try #require(proxy.fileBytes(proxy.cassettePath(forKey: key)))
        let file = try json(bytes)
        #expect(file["key"]?.stringValue == key)
        #expect(file["modelId"]?.stringValue == ProxyHarness.haiku)
        #expect(file["operation"]?.stringValue == "converse")
        #expect(file.at("request", "requestMetadata") == nil)
        #expect(file.at("request", "messages") != nil)
        #expect(file.at("response", "status")?.numberLiteral == "200")
        #expect(sameJSON(file.at("response", "body"), try json(miss.body)))
        #expect(try Cassette(json: file).key.hex == key)
    }

    @Test func spellingsOfTheSameRequestShareOneCassette() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        // boto3's spelling: separators with spaces, non-ASCII escaped, the caller's key order.
        let boto3 = #"{"messages": [{"role": "user", "content": [{"text": "Caf\u00e9"}]}], "inferenceConfig": {"maxTokens": 64, "temperature": 0.7}}"#
        let same = [
            #"{"inferenceConfig":{"temperature":0.70,"maxTokens":64},"messages":[{"content":[{"text":"Café"}],"role":"user"}]}"#,
            "{\n  \"messages\" : [ { \"role\" : \"user\", \"content\" : [ { \"text\" : \"Caf\\u00E9\" } ] } ],\n  \"inferenceConfig\" : { \"maxTokens\" : 6.4e1, \"temperature\" : 7e-1 }\n}\n",
            #"{"messages": [{"role": "user", "content": [{"text": "Caf\u00e9"}]}], "inferenceConfig": {"maxTokens": 64, "temperature": 0.7}, "requestMetadata": {"user": "u-123"}}"#,
            #"{"requestMetadata": {"user": "u-456", "run": "nightly"}, "messages": [{"role": "user", "content": [{"text": "Caf\u00e9"}]}], "inferenceConfig": {"maxTokens": 64, "temperature": 0.7}}"#,
        ]

        let first = try proxy.post(ProxyHarness.haikuPath, body: boto3)
        #expect(first.headers["x-tapedeck"] == "miss")
        let key = try #require(first.headers["x-tapedeck-key"])
        for variant in same {
            let response = try proxy.post(ProxyHarness.haikuPath, body: variant)
            #expect(response.headers["x-tapedeck"] == "hit", "\(variant)")
            #expect(response.headers["x-tapedeck-key"] == key)
        }
        #expect(proxy.origin.requests.count == 1)
        #expect(proxy.storedFiles().count == 1)
    }

    @Test func changesThatAlterTheAnswerAreMisses() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let base = #"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"temperature": 0.7}}"#
        let sonnetPath = "/model/us.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
        let different: [(path: String, body: String)] = [
            (ProxyHarness.haikuPath, #"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"temperature": 0.8}}"#),
            (ProxyHarness.haikuPath, #"{"messages": [{"role": "user", "content": [{"text": "Hello!"}]}], "inferenceConfig": {"temperature": 0.7}}"#),
            (sonnetPath, base),
        ]

        var keys: Set<String> = []
        let first = try proxy.post(ProxyHarness.haikuPath, body: base)
        keys.insert(try #require(first.headers["x-tapedeck-key"]))
        for (path, body) in different {
            let response = try proxy.post(path, body: body)
            #expect(response.headers["x-tapedeck"] == "miss", "\(path) \(body)")
            keys.insert(try #require(response.headers["x-tapedeck-key"]))
        }
        #expect(keys.count == 4)
        #expect(proxy.origin.requests.count == 4)
        #expect(proxy.storedFiles().count == 4)
    }

    @Test func configuredIgnoreFieldsLeaveTheKeyButNotTheForwardedRequest() throws {
        let proxy = try ProxyHarness { $0.ignoreFields = ["serviceTier", "inferenceConfig.topP"] }
        defer { proxy.stop() }
        let base = #"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"topP": 0.9}, "serviceTier": {"type": "priority"}}"#
        let variant = #"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"topP": 0.5}, "serviceTier": {"type": "flex"}}"#

        let first = try proxy.post(ProxyHarness.haikuPath, body: base)
        let second = try proxy.post(ProxyHarness.haikuPath, body: variant)
        #expect(first.headers["x-tapedeck"] == "miss")
        #expect(second.headers["x-tapedeck"] == "hit")
        #expect(proxy.origin.requests.map(\.bodyText) == [base])
    }

    @Test func aMultiMegabyteRequestAndAnswerAreForwardedRecordedAndReplayed() throws {
        let image = String(repeating: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk", count: 80_000)
        let body = #"{"messages": [{"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": "\#(image)"}}}]}]}"#
        let longAnswer = String(repeating: "word ", count: 400_000)
        let proxy = try ProxyHarness(origin: { _ in BedrockOrigin.converse(text: longAnswer, requestId: "big-1") })
        defer { proxy.stop() }

        let miss = try proxy.post(ProxyHarness.haikuPath, body: body)
        #expect(miss.status == 200)
        #expect(miss.text == BedrockOrigin.converseBody(text: longAnswer))
        #expect(proxy.origin.requests.first?.body == Array(body.utf8))
        let hit = try proxy.post(ProxyHarness.haikuPath, body: body)
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(try hit.json.at("output", "message", "content")?.arrayValue?.first?["text"]?.stringValue == longAnswer)
        #expect(proxy.origin.requests.count == 1)
    }

    @Test func aStoreThatCannotBeWrittenStillAnswersEveryMiss() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        try proxy.writeFile(proxy.store.directory, Array("not a directory".utf8))

        for attempt in 1...2 {
            let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
            #expect(response.status == 200)
            #expect(response.headers["x-tapedeck"] == "miss")
            #expect(response.text == BedrockOrigin.converseBody(text: "answer \(attempt)"))
        }
        #expect(proxy.origin.requests.count == 2)
    }

    @Test func everyPrefixAndModelIdSpellingReachesTheSameCassette() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let key = try #require(first.headers["x-tapedeck-key"])

        for prefix in ["", "/bedrock", "/cursor", "/litellm", "/langchain", "/pydanticai"] {
            for model in ["us.anthropic.claude-3-5-haiku-20241022-v1%3A0", "us.anthropic.claude-3-5-haiku-20241022-v1:0",
                          "us.anthropic.claude-3-5-haiku-20241022-v1%3a0"] {
                let response = try proxy.post("\(prefix)/model/\(model)/converse", body: ProxyHarness.helloBody)
                #expect(response.status == 200, "\(prefix) \(model)")
                #expect(response.headers["x-tapedeck"] == "hit", "\(prefix) \(model)")
                #expect(response.headers["x-tapedeck-key"] == key, "\(prefix) \(model)")
            }
        }
        #expect(proxy.origin.requests.count == 1)
        #expect(proxy.origin.requests.first?.path == ProxyHarness.haikuPath)
    }

    @Test func anARNIsForwardedEncodedLikeBoto3UnderUpstreamsPathWithoutTheClientsPrefix() throws {
        let proxy = try ProxyHarness(upstream: .origin(path: "/cursor/"))
        defer { proxy.stop() }
        let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"
        let encoded = "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0"

        let miss = try proxy.post("/litellm/model/\(encoded)/converse", body: ProxyHarness.helloBody)
        #expect(miss.status == 200)
        #expect(miss.headers["x-tapedeck"] == "miss")
        let forwarded = try #require(proxy.origin.requests.first)
        #expect(forwarded.method == "POST")
        #expect(forwarded.path == "/cursor/model/\(encoded)/converse")
        #expect(forwarded.body == Array(ProxyHarness.helloBody.utf8), "the client's bytes are forwarded as sent")
        let key = try #require(miss.headers["x-tapedeck-key"])
        #expect(try json(#require(proxy.fileBytes(proxy.cassettePath(forKey: key))))["modelId"]?.stringValue == arn)

        // Colons sent unencoded; the slash must stay encoded to remain one path segment.
        let loose = "arn:aws:bedrock:us-east-1:123456789012:inference-profile%2fus.anthropic.claude-3-5-sonnet-20240620-v1:0"
        let hit = try proxy.post("/model/\(loose)/converse", body: ProxyHarness.helloBody)
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(hit.headers["x-tapedeck-key"] == key)
        #expect(proxy.origin.requests.count == 1)
    }
}
