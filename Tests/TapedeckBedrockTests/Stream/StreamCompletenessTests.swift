import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Which streams that ended cleanly are whole answers, worth a cassette, and what is said of the others.
@Suite struct StreamCompletenessTests {
    private static func request(
        _ operation: BedrockOperation, _ body: String, model: String = InvokeFixtures.claude
    ) throws -> KeyedRequest {
        KeyedRequest(operation: operation, modelId: model, body: .json(try ConverseFixtures.parse(body)))
    }

    private static func chunks(_ events: [String]) throws -> [StreamEvent] {
        try events.map { InvokeChunk.event(try ConverseFixtures.parse($0)) }
    }

    private static let converse = #"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}]}"#

    @Test func aConverseStreamIsWholeOnlyWhenMetadataComesLast() throws {
        let request = try Self.request(.converseStream, Self.converse)
        let whole = ["messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]
            .map { StreamEvent(type: $0, payload: .object([])) }
        #expect(StreamCompleteness.reason(whole, for: request) == nil)
        #expect(StreamCompleteness.reason(Array(whole.dropLast()), for: request)
            == "the stream ended without a metadata event (last: messageStop)")
        #expect(StreamCompleteness.reason([], for: request) == "the stream ended without a metadata event (last: nothing)")
        let metadataEarly = [whole[4], whole[0]]
        #expect(StreamCompleteness.reason(metadataEarly, for: request)
            == "the stream ended without a metadata event (last: messageStart)")
    }

    @Test func theLastEventAloneDecidesAsTheWholeListDoes() throws {
        let converse = try Self.request(.converseStream, Self.converse)
        let invoke = try Self.request(.invokeModelWithResponseStream, InvokeFixtures.messagesBody)
        let events = try Self.chunks(InvokeFixtures.messagesEvents)
        let metadata = StreamEvent(type: "metadata", payload: .object([]))
        for (list, request) in [([metadata], converse), ([], converse), (events, invoke), (Array(events.dropLast()), invoke), ([], invoke)] {
            #expect(StreamCompleteness.reason(last: list.last, for: request) == StreamCompleteness.reason(list, for: request))
        }
    }

    @Test func anAnthropicMessagesStreamIsWholeOnlyWhenMessageStopComesLast() throws {
        for operation in [BedrockOperation.invokeModelWithResponseStream, .invokeModel] {
            let request = try Self.request(operation, InvokeFixtures.messagesBody)
            let events = try Self.chunks(InvokeFixtures.messagesEvents)
            #expect(StreamCompleteness.reason(events, for: request) == nil, "\(operation)")
            #expect(StreamCompleteness.reason(Array(events.dropLast()), for: request)
                == "the Anthropic Messages stream ended without message_stop (last: message_delta)")
            let pingAfterStop = events + (try Self.chunks([#"{"type":"ping"}"#]))
            #expect(StreamCompleteness.reason(pingAfterStop, for: request)
                == "the Anthropic Messages stream ended without message_stop (last: ping)")
            #expect(StreamCompleteness.reason([], for: request) == "the stream ended without a chunk")
        }
    }

    @Test func anAnthropicStreamEndingInAChunkThatIsNotJSONIsNotWhole() throws {
        let request = try Self.request(.invokeModelWithResponseStream, InvokeFixtures.messagesBody)
        let garbage = try #require(InvokeChunk.recorded(
            payload: .object([JSONMember("bytes", .string(Base64.encode(Array("garbage".utf8))))]), offsetMs: 0))
        let events = try Self.chunks(InvokeFixtures.messagesEvents) + [garbage]
        #expect(StreamCompleteness.reason(events, for: request)
            == "the Anthropic Messages stream ended without message_stop (last: an undecodable chunk)")
    }

    @Test func anotherModelsStreamIsWholeWithOneChunk() throws {
        let llama = try Self.request(.invokeModelWithResponseStream, #"{"prompt": "Hi", "max_gen_len": 64}"#,
                                     model: "meta.llama3-8b-instruct-v1:0")
        let chunk = try Self.chunks([#"{"generation":"Hello","stop_reason":null}"#])
        #expect(StreamCompleteness.reason(chunk, for: llama) == nil)
        #expect(StreamCompleteness.reason([], for: llama) == "the stream ended without a chunk")
        // Its last chunk need not be message_stop, nor even JSON.
        let raw = try #require(InvokeChunk.recorded(
            payload: .object([JSONMember("bytes", .string(Base64.encode(Array("raw".utf8))))]), offsetMs: 0))
        #expect(StreamCompleteness.reason([raw], for: llama) == nil)
        let bytesBody = KeyedRequest(operation: .invokeModelWithResponseStream, modelId: "x", body: .bytes(Array("hi".utf8)))
        #expect(StreamCompleteness.reason([raw], for: bytesBody) == nil)
        #expect(StreamCompleteness.reason([], for: bytesBody) == "the stream ended without a chunk")
    }

    @Test func countTokensAndApplyGuardrailHaveNoStreamToJudge() throws {
        let countTokens = try Self.request(.countTokens, #"{"input": {"converse": {"messages": []}}}"#)
        let guardrail = try Self.request(.applyGuardrail, #"{"source": "INPUT", "content": []}"#, model: "gr1@1")
        for request in [countTokens, guardrail] {
            #expect(StreamCompleteness.reason([], for: request) == nil, "\(request.operation)")
            #expect(StreamCompleteness.reason([StreamEvent(type: "anything", payload: .null)], for: request) == nil)
        }
    }
}
