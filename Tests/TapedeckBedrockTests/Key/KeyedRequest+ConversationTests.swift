import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Every operation's request read as a Converse request, as `show`, the browser, `ls` and the miss diff draw it.
@Suite struct KeyedRequestConversationTests {
    private static func conversation(
        _ operation: BedrockOperation, _ body: String, model: String = InvokeFixtures.claude
    ) throws -> String {
        let request = KeyedRequest(operation: operation, modelId: model, body: .json(try ConverseFixtures.parse(body)))
        return ConverseFixtures.string(JSONWriter.compact(request.conversation))
    }

    @Test func aConverseBodyIsShownAsItIs() throws {
        let body = try ConverseFixtures.parse(ConverseFixtures.boto3Request)
        for operation in [BedrockOperation.converse, .converseStream] {
            #expect(KeyedRequest(operation: operation, modelId: InvokeFixtures.claude, body: .json(body)).conversation == body)
        }
    }

    @Test func anAnthropicMessagesBodyIsTranslated() throws {
        let expected = #"{"messages":[{"role":"user","content":[{"text":"Hello"}]}],"inferenceConfig":{"maxTokens":64},"#
            + #""additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31"}}"#
        #expect(try Self.conversation(.invokeModel, InvokeFixtures.messagesBody) == expected)
        #expect(try Self.conversation(.invokeModelWithResponseStream, InvokeFixtures.messagesBody) == expected)
        let withSystem = #"{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "system": "Be brief.", "temperature": 0.5, "#
            + #""messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}, {"role": "assistant", "content": "Hello"}]}"#
        #expect(try Self.conversation(.invokeModel, withSystem)
            == #"{"messages":[{"role":"user","content":[{"text":"Hi"}]},{"role":"assistant","content":[{"text":"Hello"}]}],"#
            + #""system":[{"text":"Be brief."}],"inferenceConfig":{"maxTokens":10,"temperature":0.5},"#
            + #""additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31"}}"#)
    }

    @Test func embeddingRequestsAreTheUsersTextsToEmbed() throws {
        #expect(try Self.conversation(.invokeModel, InvokeFixtures.titanBody, model: InvokeFixtures.titan)
            == #"{"messages":[{"role":"user","content":[{"text":"the quick brown fox"}]}]}"#)
        #expect(try Self.conversation(.invokeModel, #"{"texts": ["first doc", "second doc"], "input_type": "search_document"}"#,
                                      model: "cohere.embed-english-v3")
            == #"{"messages":[{"role":"user","content":[{"text":"first doc"},{"text":"second doc"}]}]}"#)
    }

    @Test func countTokensShowsTheRequestItCounts() throws {
        let converse = #"{"input": {"converse": {"messages": [{"role": "user", "content": [{"text": "Hi"}]}], "system": [{"text": "S"}]}}}"#
        #expect(try Self.conversation(.countTokens, converse)
            == #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"system":[{"text":"S"}]}"#)
        // InvokeModel's body travels as a string; an Anthropic one is translated like InvokeModel's own.
        let embedded = String(decoding: JSONWriter.compact(.string(InvokeFixtures.messagesBody)), as: UTF8.self)
        #expect(try Self.conversation(.countTokens, #"{"input": {"invokeModel": {"body": \#(embedded)}}}"#)
            == #"{"messages":[{"role":"user","content":[{"text":"Hello"}]}],"inferenceConfig":{"maxTokens":64},"#
            + #""additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31"}}"#)
        let titan = String(decoding: JSONWriter.compact(.string(InvokeFixtures.titanBody)), as: UTF8.self)
        #expect(try Self.conversation(.countTokens, #"{"input": {"invokeModel": {"body": \#(titan)}}}"#)
            == #"{"messages":[{"role":"user","content":[{"text":"the quick brown fox"}]}]}"#)
    }

    @Test func countTokensItCannotReadIsOneJSONBlock() throws {
        for body in [#"{"input": {"invokeModel": {"body": "not json"}}}"#, #"{"input": {"converse": "x"}}"#, #"{"other": 1}"#] {
            let compact = ConverseFixtures.string(JSONWriter.compact(try ConverseFixtures.parse(body)))
            #expect(try Self.conversation(.countTokens, body) == #"{"messages":[{"role":"user","content":[{"json":\#(compact)}]}]}"#)
        }
    }

    @Test func applyGuardrailShowsInputAsTheUserAndOutputAsTheAssistant() throws {
        let content = #""content": [{"text": {"text": "first"}}, {"text": {"text": "second", "qualifiers": ["query"]}}]"#
        #expect(try Self.conversation(.applyGuardrail, #"{"source": "INPUT", \#(content)}"#, model: "gr1@1")
            == #"{"messages":[{"role":"user","content":[{"text":"first"},{"text":"second"}]}]}"#)
        #expect(try Self.conversation(.applyGuardrail, #"{"source": "OUTPUT", \#(content)}"#, model: "gr1@1")
            == #"{"messages":[{"role":"assistant","content":[{"text":"first"},{"text":"second"}]}]}"#)
        // Nothing to read as text: the body as one JSON block, still in the source's role.
        let image = #"{"source":"OUTPUT","content":[{"image":{"format":"png","source":{"bytes":"AA=="}}}]}"#
        #expect(try Self.conversation(.applyGuardrail, image, model: "gr1@1")
            == #"{"messages":[{"role":"assistant","content":[{"json":\#(image)}]}]}"#)
    }

    @Test func aBodyThatIsNotJSONIsShownByItsSize() {
        for operation in [BedrockOperation.invokeModel, .invokeModelWithResponseStream] {
            let request = KeyedRequest(operation: operation, modelId: "x", body: .bytes(Array(repeating: 0x41, count: 1234)))
            #expect(ConverseFixtures.string(JSONWriter.compact(request.conversation))
                == #"{"messages":[{"role":"user","content":[{"text":"[1234 bytes, not JSON]"}]}]}"#)
        }
        let empty = KeyedRequest(operation: .invokeModel, modelId: "x", body: .bytes([]))
        #expect(empty.conversation["messages"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"]?.stringValue
            == "[0 bytes, not JSON]")
    }

    @Test func anyOtherJSONBodyIsOneJSONBlock() throws {
        let llama = #"{"prompt":"<|begin_of_text|>Hi","max_gen_len":64,"temperature":0.5}"#
        #expect(try Self.conversation(.invokeModel, llama, model: "meta.llama3-8b-instruct-v1:0")
            == #"{"messages":[{"role":"user","content":[{"json":\#(llama)}]}]}"#)
        // A Cohere-shaped body whose texts are not all strings is not an embedding request.
        let mixed = #"{"texts":["a",1]}"#
        #expect(try Self.conversation(.invokeModelWithResponseStream, mixed, model: "m")
            == #"{"messages":[{"role":"user","content":[{"json":\#(mixed)}]}]}"#)
    }
}
