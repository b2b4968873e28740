import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// Every cassette read as a conversation, as `show`, the browser and `ls` draw it.
@Suite struct CassetteConversationTests {
    private static let key = CacheKey(hex: String(repeating: "0123456789abcdef", count: 4))!

    private static func cassette(
        _ operation: BedrockOperation, model: String = InvokeFixtures.claude, request: String = "{}",
        requestBytes: [UInt8]? = nil, contentType: String = "application/json", _ content: RecordedContent
    ) throws -> Cassette {
        var cassette = Cassette(
            key: key, operation: operation, modelId: model, request: try ConverseFixtures.parse(request),
            response: RecordedResponse(status: 200, contentType: contentType, content: content),
            upstreamLatencyMs: 100, recordedAt: "2026-11-25T17:04:05Z")
        cassette.requestBytes = requestBytes
        return cassette
    }

    private static func compact(_ value: JSONValue) -> String { ConverseFixtures.string(JSONWriter.compact(value)) }

    /// A Converse answer holding the one block `block` (compact JSON).
    private static func answer(_ block: String) -> String {
        #"{"output":{"message":{"role":"assistant","content":[\#(block)]}}}"#
    }

    private static func chunks(_ events: [String]) throws -> RecordedContent {
        .events(try events.map { InvokeChunk.event(try ConverseFixtures.parse($0)) })
    }

    /// The Converse reading of `InvokeFixtures.messagesAnswer`.
    private static let messagesAsConverse = #"{"output":{"message":{"role":"assistant","content":[{"text":"Hi there!"}]}},"#
        + #""stopReason":"end_turn","usage":{"inputTokens":8,"outputTokens":4,"totalTokens":12}}"#

    @Test func aConverseAnswerIsItsBody() throws {
        let body = CassetteFixtures.responseBody("Hello")
        #expect(try Self.cassette(.converse, .body(body)).answerBody() == body)
    }

    @Test func aConverseStreamIsFolded() throws {
        let events = [
            StreamEvent(type: "messageStart", payload: try ConverseFixtures.parse(#"{"role":"assistant","p":"abc"}"#)),
            StreamEvent(type: "contentBlockDelta", payload: try ConverseFixtures.parse(#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#)),
            StreamEvent(type: "contentBlockDelta",
                        payload: try ConverseFixtures.parse(#"{"contentBlockIndex":0,"delta":{"text":" there"}}"#)),
            StreamEvent(type: "contentBlockStop", payload: try ConverseFixtures.parse(#"{"contentBlockIndex":0}"#)),
            StreamEvent(type: "messageStop", payload: try ConverseFixtures.parse(#"{"stopReason":"end_turn"}"#)),
            StreamEvent(type: "metadata", payload: try ConverseFixtures.parse(
                #"{"usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5},"metrics":{"latencyMs":9}}"#)),
        ]
        let answer = try Self.cassette(.converseStream, .events(events)).answerBody()
        #expect(answer["output"]?["message"]?["content"] == (try ConverseFixtures.parse(#"[{"text":"Hi there"}]"#)))
        #expect(answer["stopReason"]?.stringValue == "end_turn")
        #expect(answer["usage"]?["totalTokens"]?.numberLiteral == "5")
        // A stream that stops short cannot be drawn as an answer.
        #expect(throws: StreamFoldError.self) { try Self.cassette(.converseStream, .events(Array(events.prefix(2)))).answerBody() }
    }

    @Test func anAnthropicAnswerIsTranslatedWhetherKeptAsJSONOrAsBytes() throws {
        let request = InvokeFixtures.messagesBody
        let json = try Self.cassette(.invokeModel, request: request, .body(try ConverseFixtures.parse(InvokeFixtures.messagesAnswer)))
        #expect(Self.compact(try json.answerBody()) == Self.messagesAsConverse)
        // Upstream's member order is not the sorted one, so the recording keeps its bytes.
        let content = RecordedContent.document(Array(InvokeFixtures.messagesAnswer.utf8))
        #expect(content == .bytes(Array(InvokeFixtures.messagesAnswer.utf8)))
        #expect(Self.compact(try Self.cassette(.invokeModel, request: request, content).answerBody()) == Self.messagesAsConverse)
    }

    @Test func anAnthropicStreamIsFoldedIntoTheAnswer() throws {
        let cassette = try Self.cassette(.invokeModelWithResponseStream, request: InvokeFixtures.messagesBody,
                                         try Self.chunks(InvokeFixtures.messagesEvents))
        #expect(Self.compact(try cassette.answerBody()) == Self.messagesAsConverse)
        let cut = try Self.cassette(.invokeModelWithResponseStream, request: InvokeFixtures.messagesBody,
                                    try Self.chunks(Array(InvokeFixtures.messagesEvents.dropLast())))
        #expect(throws: StreamFoldError.self) { try cut.answerBody() }
    }

    @Test func aStreamThatCannotBeFoldedIsCountedInChunks() throws {
        let llama = try Self.cassette(.invokeModelWithResponseStream, model: "meta.llama3-8b-instruct-v1:0",
                                      request: #"{"prompt": "Hi"}"#,
                                      try Self.chunks([#"{"generation":"He"}"#, #"{"generation":"llo"}"#]))
        #expect(Self.compact(try llama.answerBody()) == Self.answer(#"{"text":"[a stream of 2 chunks]"}"#))
        let one = try Self.cassette(.invokeModelWithResponseStream, request: #"{"prompt": "Hi"}"#,
                                    try Self.chunks([#"{"generation":"Hello"}"#]))
        #expect(Self.compact(try one.answerBody()) == Self.answer(#"{"text":"[a stream of 1 chunk]"}"#))
        // An Anthropic stream with a chunk that is not JSON is counted, not folded.
        let garbage = StreamEvent(type: "chunk", payload: .object([JSONMember("bytes", .string(Base64.encode(Array("garbage".utf8))))]))
        guard case .events(var events) = try Self.chunks(InvokeFixtures.messagesEvents) else { return }
        events.insert(garbage, at: 1)
        let anthropic = try Self.cassette(.invokeModelWithResponseStream, request: InvokeFixtures.messagesBody, .events(events))
        #expect(Self.compact(try anthropic.answerBody()) == Self.answer(#"{"text":"[a stream of 8 chunks]"}"#))
    }

    @Test func embeddingsAreShownByTheirVectorsLengths() throws {
        let titan = try Self.cassette(.invokeModel, model: InvokeFixtures.titan, request: InvokeFixtures.titanBody,
                                      RecordedContent.document(Array(InvokeFixtures.titanAnswer.utf8)))
        #expect(Self.compact(try titan.answerBody()) == Self.answer(#"{"text":"[embedding: 4 numbers]"}"#))
        let cohere = try Self.cassette(.invokeModel, model: "cohere.embed-english-v3", request: #"{"texts": ["a", "b"]}"#,
                                       .body(try ConverseFixtures.parse(
                                           #"{"id":"x","embeddings":[[0.1,0.2,0.3],[0.4,0.5,0.6]],"texts":["a","b"]}"#)))
        #expect(Self.compact(try cohere.answerBody())
            == Self.answer(#"{"text":"[embedding: 3 numbers]"},{"text":"[embedding: 3 numbers]"}"#))
    }

    @Test func otherDocumentsAreOneJSONBlock() throws {
        let countTokens = try Self.cassette(.countTokens, request: #"{"input": {"converse": {"messages": []}}}"#,
                                            .body(try ConverseFixtures.parse(#"{"inputTokens":12}"#)))
        #expect(Self.compact(try countTokens.answerBody()) == Self.answer(#"{"json":{"inputTokens":12}}"#))
        let guardrail = #"{"action":"NONE","outputs":[],"assessments":[]}"#
        let applied = try Self.cassette(.applyGuardrail, model: "gr1@1", request: #"{"source":"INPUT","content":[]}"#,
                                        .body(try ConverseFixtures.parse(guardrail)))
        #expect(Self.compact(try applied.answerBody()) == Self.answer(#"{"json":\#(guardrail)}"#))
        // A CountTokens answer is not an embedding even when it looks like one.
        let lookalike = #"{"embedding":[1,2]}"#
        let counted = try Self.cassette(.countTokens, .body(try ConverseFixtures.parse(lookalike)))
        #expect(Self.compact(try counted.answerBody()) == Self.answer(#"{"json":\#(lookalike)}"#))
    }

    @Test func bytesThatAreNotJSONAreShownByTheirSizeAndType() throws {
        let raw = try Self.cassette(.invokeModel, model: "m", request: #"{"prompt": "x"}"#, contentType: "text/plain",
                                    .bytes(Array("hello world".utf8)))
        #expect(Self.compact(try raw.answerBody()) == Self.answer(#"{"text":"[11 bytes of text/plain]"}"#))
        let binary = try Self.cassette(.invokeModel, model: "m", contentType: "application/octet-stream", .bytes([0, 0xff]))
        #expect(Self.compact(try binary.answerBody()) == Self.answer(#"{"text":"[2 bytes of application/octet-stream]"}"#))
    }

    @Test func theRequestIsShownAsAConversation() throws {
        let anthropic = try Self.cassette(.invokeModel, request: InvokeFixtures.messagesBody, .bytes([]))
        #expect(Self.compact(anthropic.conversationRequest)
            == #"{"messages":[{"role":"user","content":[{"text":"Hello"}]}],"inferenceConfig":{"maxTokens":64},"#
            + #""additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31"}}"#)
        let titan = try Self.cassette(.invokeModel, model: InvokeFixtures.titan, request: InvokeFixtures.titanBody, .bytes([]))
        #expect(Self.compact(titan.conversationRequest) == #"{"messages":[{"role":"user","content":[{"text":"the quick brown fox"}]}]}"#)
        let raw = try Self.cassette(.invokeModel, model: "m", requestBytes: Array("raw!".utf8), .bytes([]))
        #expect(Self.compact(raw.conversationRequest) == #"{"messages":[{"role":"user","content":[{"text":"[4 bytes, not JSON]"}]}]}"#)
        let converse = CassetteFixtures.cassette()
        #expect(converse.conversationRequest == converse.request)
    }
}
