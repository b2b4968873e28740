import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// InvokeModel, its stream, CountTokens and ApplyGuardrail through a real server, real libcurl and a real origin:
/// recorded once, answered from the cassette after, in the shape each operation expects.
@Suite struct ProxyEngineInvokeTests {
    private typealias F = InvokeFixtures

    /// An origin answering InvokeModel with `answer` (and the token headers), counting calls.
    private static func invokeOrigin(_ answer: String, input: Int = 5, output: Int = 0) -> TestOrigin.Handler {
        { _ in .ok(answer, headers: F.invokeHeaders(input: input, output: output)) }
    }

    private static func streamOrigin(_ events: [String], cut: Bool = false, extra: [[UInt8]] = []) -> TestOrigin.Handler {
        { _ in
            let chunks = (events.map(F.chunkFrame) + extra).map { TestOrigin.Chunk($0) }
            let headers = StreamFrames.eventStream + [("X-Amzn-Bedrock-Content-Type", "application/json")]
            return cut ? .chunkedCutOff(headers: headers, chunks: chunks) : .chunked(headers: headers, chunks: chunks)
        }
    }

    @Test func anEmbeddingIsRecordedOnceAndAHitSendsItsBytesAndTokenCountsBack() throws {
        let proxy = try ProxyHarness(configure: { $0.hitLatencyMs = 7 }, origin: Self.invokeOrigin(F.titanAnswer))
        defer { proxy.stop() }
        let path = F.path(F.titan, "invoke")
        let miss = try proxy.post(path, body: F.titanBody, headers: [("Content-Type", "application/json"), ("Accept", "application/json")])
        #expect(miss.status == 200)
        #expect(miss.headers["x-tapedeck"] == "miss")
        #expect(miss.text == F.titanAnswer)

        // Keys reordered and numbers respelled, the same request: one cassette answers it.
        let hit = try proxy.post(path, body: F.titanBodyReordered, headers: [("Content-Type", "application/json")])
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(hit.body == Array(F.titanAnswer.utf8), "byte for byte what upstream sent")
        #expect(hit.headers["Content-Type"] == "application/json")
        #expect(hit.headers["X-Amzn-Bedrock-Input-Token-Count"] == "5")
        #expect(hit.headers["X-Amzn-Bedrock-Output-Token-Count"] == "0")
        #expect(hit.headers["X-Amzn-Bedrock-Invocation-Latency"] == "7")
        #expect(hit.headers["x-tapedeck-key"] == miss.headers["x-tapedeck-key"])
        #expect(proxy.origin.requests.count == 1)
        #expect(proxy.origin.requests[0].method == "POST")
        #expect(proxy.origin.requests[0].path == path)

        let files = proxy.storedFiles()
        #expect(files.count == 1)
        let cassette = try Cassette(json: json(try #require(proxy.fileBytes(files[0]))))
        #expect(cassette.operation == .invokeModel)
        #expect(cassette.format == 2)
        #expect(cassette.requestHeaders == [HeaderPair("content-type", "application/json"), HeaderPair("accept", "application/json")])
        #expect(cassette.response.header("x-amzn-bedrock-input-token-count") == "5")
        #expect(cassette.response.bytes == Array(F.titanAnswer.utf8), "kept exactly, as text")
    }

    @Test func anAcceptTypeThatDiffersIsAnotherRequest() throws {
        let proxy = try ProxyHarness(origin: Self.invokeOrigin(F.titanAnswer))
        defer { proxy.stop() }
        let path = F.path(F.titan, "invoke")
        _ = try proxy.post(path, body: F.titanBody)
        let other = try proxy.post(path, body: F.titanBody, headers: [("Accept", "application/xml")])
        #expect(other.headers["x-tapedeck"] == "miss")
        let sameAsDefault = try proxy.post(path, body: F.titanBody, headers: [("Accept", "application/json")])
        #expect(sameAsDefault.headers["x-tapedeck"] == "hit", "an absent Accept is Bedrock's default, application/json")
        let curls = try proxy.post(path, body: F.titanBody, headers: [("Accept", "*/*")])
        #expect(curls.headers["x-tapedeck"] == "hit", "curl's */* is answered as the default too")
        #expect(proxy.origin.requests.count == 2)
    }

    @Test func anAnswerThatJSONWouldRespellIsKeptAsBytesAndSentBackExactly() throws {
        let spaced = "{\"embedding\": [0.5, 0.25],\n \"inputTextTokenCount\": 3}"
        let proxy = try ProxyHarness(origin: Self.invokeOrigin(spaced, input: 3))
        defer { proxy.stop() }
        let path = F.path(F.titan, "invoke")
        _ = try proxy.post(path, body: F.titanBody)
        let hit = try proxy.post(path, body: F.titanBody)
        #expect(hit.headers["x-tapedeck"] == "hit")
        #expect(hit.text == spaced)
        let key = try #require(CacheKey(hex: hit.headers["x-tapedeck-key"] ?? ""))
        let cassette = try #require(try proxy.store.load(key))
        #expect(cassette.response.bytes == Array(spaced.utf8))
    }

    @Test func anAnthropicStreamIsRecordedAndAnswersInvokeModelFolded() throws {
        let proxy = try ProxyHarness(configure: { $0.hitLatencyMs = 9 }, origin: Self.streamOrigin(F.messagesEvents))
        defer { proxy.stop() }
        let live = try proxy.post(F.path(F.claude, "invoke-with-response-stream"), body: F.messagesBody)
        #expect(live.status == 200)
        #expect(live.headers["x-tapedeck"] == "miss")
        #expect(try F.modelEvents(live.body).count == F.messagesEvents.count)

        let replayed = try proxy.post(F.path(F.claude, "invoke-with-response-stream"), body: F.messagesBody)
        #expect(replayed.headers["x-tapedeck"] == "hit")
        #expect(replayed.headers["x-tapedeck-served-as"] == "recorded")
        let events = try F.modelEvents(replayed.body)
        for (event, sent) in zip(events, F.messagesEvents) where event["type"] != .string("message_stop") {
            #expect(sameJSON(event, try json(Array(sent.utf8))))
        }
        #expect(events.last?.at("amazon-bedrock-invocationMetrics", "invocationLatency") == .number("9"))
        #expect(events.last?.at("amazon-bedrock-invocationMetrics", "firstByteLatency") == .number("9"))

        let folded = try proxy.post(F.path(F.claude, "invoke"), body: F.messagesBody)
        #expect(folded.headers["x-tapedeck"] == "hit")
        #expect(folded.headers["x-tapedeck-served-as"] == "folded")
        #expect(folded.headers["X-Amzn-Bedrock-Input-Token-Count"] == "8")
        #expect(folded.headers["X-Amzn-Bedrock-Output-Token-Count"] == "4")
        #expect(sameJSON(try folded.json, try json(Array(F.messagesAnswer.utf8))))
        #expect(proxy.origin.requests.count == 1)
        #expect(proxy.storedFiles().count == 1)
    }

    @Test func anAnthropicAnswerIsReplayedAsASynthesizedStream() throws {
        let proxy = try ProxyHarness(origin: Self.invokeOrigin(F.messagesAnswer, input: 8, output: 4))
        defer { proxy.stop() }
        _ = try proxy.post(F.path(F.claude, "invoke"), body: F.messagesBody)
        let stream = try proxy.post(F.path(F.claude, "invoke-with-response-stream"), body: F.messagesBody)
        #expect(stream.headers["x-tapedeck"] == "hit")
        #expect(stream.headers["x-tapedeck-served-as"] == "synthesized")
        #expect(stream.headers["Content-Type"] == "application/vnd.amazon.eventstream")
        let messages = try StreamFrames.decode(stream.body)
        #expect(messages.allSatisfy { $0.stringHeader(":event-type") == "chunk" && $0.stringHeader(":message-type") == "event" })
        let events = try F.modelEvents(stream.body)
        #expect(events.first?["type"] == .string("message_start"))
        #expect(events.last?["type"] == .string("message_stop"))
        #expect(sameJSON(try AnthropicMessages.fold(events), try json(Array(F.messagesAnswer.utf8))))
        #expect(proxy.origin.requests.count == 1)
    }

    @Test func anotherModelsStreamIsNotCrossServed() throws {
        let titanText = #"{"inputText": "Hi", "textGenerationConfig": {"maxTokenCount": 16}}"#
        let proxy = try ProxyHarness(origin: Self.streamOrigin([#"{"outputText":"Hello","index":0,"completionReason":"FINISH"}"#]))
        defer { proxy.stop() }
        let model = "amazon.titan-text-express-v1"
        _ = try proxy.post(F.path(model, "invoke-with-response-stream"), body: titanText)
        let again = try proxy.post(F.path(model, "invoke-with-response-stream"), body: titanText)
        #expect(again.headers["x-tapedeck"] == "hit")
        let invoke = try proxy.post(F.path(model, "invoke"), body: titanText)
        #expect(invoke.headers["x-tapedeck"] == "miss", "Titan text's two shapes cannot be converted, so they are keyed apart")
        #expect(proxy.origin.requests.count == 2)
    }

    @Test(arguments: [
        ("an in-stream exception", false, [StreamFrames.exception("modelStreamErrorException", "boom")]),
        ("a stream cut short", true, []),
    ])
    func aStreamThatDidNotEndWholeIsPassedOnButNotRecorded(_ what: String, _ cut: Bool, _ extra: [[UInt8]]) throws {
        let events = Array(F.messagesEvents.prefix(3))
        let proxy = try ProxyHarness(origin: Self.streamOrigin(events, cut: cut, extra: extra))
        defer { proxy.stop() }
        let path = F.path(F.claude, "invoke-with-response-stream")
        _ = try? proxy.post(path, body: F.messagesBody)
        _ = try? proxy.post(path, body: F.messagesBody)
        #expect(proxy.origin.requests.count == 2, "\(what): nothing was recorded, so the repeat went upstream")
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func anAnthropicStreamWithoutMessageStopIsNotRecorded() throws {
        let proxy = try ProxyHarness(origin: Self.streamOrigin(Array(F.messagesEvents.dropLast())))
        defer { proxy.stop() }
        let path = F.path(F.claude, "invoke-with-response-stream")
        let live = try proxy.post(path, body: F.messagesBody)
        #expect(live.status == 200)
        _ = try proxy.post(path, body: F.messagesBody)
        #expect(proxy.origin.requests.count == 2)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func countTokensAndApplyGuardrailAreRecordedWithTheGuardrailVersionInTheKey() throws {
        let proxy = try ProxyHarness(origin: { request in
            request.path.hasSuffix("/count-tokens")
                ? .ok(#"{"inputTokens":12}"#, headers: [("Content-Type", "application/json")])
                : .ok(#"{"usage":{"topicPolicyUnits":1},"action":"NONE","outputs":[],"assessments":[]}"#, headers: [("Content-Type", "application/json")])
        })
        defer { proxy.stop() }
        let count = #"{"input": {"converse": {"messages": [{"role": "user", "content": [{"text": "Hello"}]}]}}}"#
        #expect(try proxy.post(F.path(F.claude, "count-tokens"), body: count).headers["x-tapedeck"] == "miss")
        let counted = try proxy.post(F.path(F.claude, "count-tokens"), body: count)
        #expect(counted.headers["x-tapedeck"] == "hit")
        #expect(counted.text == #"{"inputTokens":12}"#)
        #expect(counted.headers["X-Amzn-Bedrock-Invocation-Latency"] == nil)

        let check = #"{"source": "INPUT", "content": [{"text": {"text": "Hello"}}]}"#
        #expect(try proxy.post("/guardrail/gr1abc/version/1/apply", body: check).headers["x-tapedeck"] == "miss")
        #expect(try proxy.post("/bedrock/guardrail/gr1abc/version/1/apply", body: check).headers["x-tapedeck"] == "hit")
        #expect(try proxy.post("/guardrail/gr1abc/version/2/apply", body: check).headers["x-tapedeck"] == "miss")
        #expect(proxy.origin.requests.map(\.path) == [
            F.path(F.claude, "count-tokens"), "/guardrail/gr1abc/version/1/apply", "/guardrail/gr1abc/version/2/apply",
        ])
        #expect(proxy.storedFiles().count == 3)
    }

    @Test func aReplayMissOnAnEmbeddingNamesTheNearestAndTheJSONPathThatDiffers() throws {
        let proxy = try ProxyHarness(origin: Self.invokeOrigin(F.titanAnswer))
        defer { proxy.stop() }
        let path = F.path(F.titan, "invoke")
        _ = try proxy.post(path, body: F.titanBody)
        let other = F.titanBody.replacingOccurrences(of: "\"dimensions\": 4", with: "\"dimensions\": 8")
        let miss = try proxy.post(path, body: other, headers: [("x-tapedeck-mode", "replay")])
        #expect(miss.status == 404)
        #expect(miss.headers["x-amzn-ErrorType"] == "CassetteNotFoundException")
        let message = try #require(miss.errorMessage)
        #expect(message.contains("InvokeModel"), "\(message)")
        #expect(message.contains("Nearest recorded request"), "\(message)")
        #expect(message.contains("dimensions 4 → 8"), "\(message)")
    }

    @Test func aReplayMissOnAnAnthropicBodyIsToldInConverseTerms() throws {
        let proxy = try ProxyHarness(origin: Self.invokeOrigin(F.messagesAnswer, input: 8, output: 4))
        defer { proxy.stop() }
        _ = try proxy.post(F.path(F.claude, "invoke"), body: F.messagesBody)
        let other = F.messagesBody.replacingOccurrences(of: "\"max_tokens\": 64", with: "\"max_tokens\": 128")
        let miss = try proxy.post(F.path(F.claude, "invoke"), body: other, headers: [("x-tapedeck-mode", "replay")])
        let message = try #require(miss.errorMessage)
        #expect(message.contains("maxTokens 64 → 128"), "\(message)")
    }
}
