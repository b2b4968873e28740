import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Anthropic Messages requests and answers read as Converse bodies, for the Converse-level diff and transcripts.
@Suite struct AnthropicMessagesConverseTests {
    private func request(_ text: String) throws -> String {
        AnthropicStreamFoldTests.compact(AnthropicMessages.converseRequest(try ConverseFixtures.parse(text)))
    }

    private func answer(_ text: String) throws -> String {
        AnthropicStreamFoldTests.compact(AnthropicMessages.converseAnswer(try ConverseFixtures.parse(text)))
    }

    /// A tool-use conversation as boto3's `invoke_model(body=json.dumps(…))` sends it.
    static let toolConversation = #"""
    {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "system": "You are terse.", "messages": [{"role": "user", "content": "What is the weather in Lisbon?"}, {"role": "assistant", "content": [{"type": "text", "text": "Let me check."}, {"type": "tool_use", "id": "toolu_bdrk_01", "name": "get_weather", "input": {"city": "Lisbon"}}]}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_bdrk_01", "content": "21 \u00b0C, clear"}]}], "temperature": 0.7, "top_p": 0.9, "top_k": 250, "stop_sequences": ["\n\nHuman:"], "tools": [{"name": "get_weather", "description": "Weather for a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}], "tool_choice": {"type": "auto"}}
    """#

    @Test func readsAToolConversationAsTheConverseRequest() throws {
        #expect(try request(Self.toolConversation) == #"{"messages":[{"role":"user","content":[{"text":"What is the weather in Lisbon?"}]},"#
            + #"{"role":"assistant","content":[{"text":"Let me check."},{"toolUse":{"toolUseId":"toolu_bdrk_01","name":"get_weather","#
            + #""input":{"city":"Lisbon"}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"toolu_bdrk_01","#
            + #""content":[{"text":"21 °C, clear"}]}}]}],"system":[{"text":"You are terse."}],"#
            + #""inferenceConfig":{"maxTokens":1024,"temperature":0.7,"topP":0.9,"stopSequences":["\n\nHuman:"]},"#
            + #""toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Weather for a city","#
            + #""inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}],"#
            + #""toolChoice":{"auto":{}}},"additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31","top_k":250}}"#)
    }

    /// The point of the view: the existing Converse diff explains how two Anthropic requests differ.
    @Test func theConverseDiffExplainsAnthropicRequests() throws {
        let recorded = AnthropicMessages.converseRequest(try ConverseFixtures.parse(Self.toolConversation))
        let asked = AnthropicMessages.converseRequest(try ConverseFixtures.parse(
            Self.toolConversation.replacingOccurrences(of: "in Lisbon?", with: "in Porto?")
                .replacingOccurrences(of: #""top_k": 250"#, with: #""top_k": 40"#)))
        let lines = RequestDiff.differences(from: recorded, to: asked, limit: 10)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.contains("message 1") == true, "\(lines)")
        #expect(lines.last?.contains("top_k") == true, "\(lines)")
        #expect(RequestDiff.differences(from: recorded, to: recorded).isEmpty)
    }

    @Test func readsMediaThinkingAndToolErrorsAsConverseBlocks() throws {
        let body = #"{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":["#
            + #"{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},"#
            + #"{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"report"},"#
            + #"{"type":"document","source":{"type":"text","media_type":"text/plain","data":"The grass is green."}},"#
            + #"{"type":"text","text":"Compare them."}]},"#
            + #"{"role":"assistant","content":[{"type":"thinking","thinking":"Hmm.","signature":"SIG"},"#
            + #"{"type":"redacted_thinking","data":"EmwK"},{"type":"tool_use","id":"t1","name":"ocr","input":{}}]},"#
            + #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":["#
            + #"{"type":"text","text":"failed"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}},"#
            + #"{"type":"search_result","source":"s","title":"t","content":[]}]},"#
            + #"{"type":"tool_result","tool_use_id":"t2","is_error":false}]}]}"#
        let messages = try request(body)
        #expect(messages == #"{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}},"#
            + #"{"document":{"format":"pdf","name":"report","source":{"bytes":"JVBERi0="}}},"#
            + #"{"document":{"format":"txt","name":"document","source":{"text":"The grass is green."}}},{"text":"Compare them."}]},"#
            + #"{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"Hmm.","signature":"SIG"}}},"#
            + #"{"reasoningContent":{"redactedContent":"EmwK"}},{"toolUse":{"toolUseId":"t1","name":"ocr","input":{}}}]},"#
            + #"{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"failed"},"#
            + #"{"image":{"format":"jpeg","source":{"bytes":"/9j/"}}},{"json":{"type":"search_result","source":"s","title":"t","content":[]}}],"#
            + #""status":"error"}},{"toolResult":{"toolUseId":"t2","content":[]}}]}],"#
            + #""inferenceConfig":{"maxTokens":64},"additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31"}}"#)
        // And the Converse block reader, which `show` and the browser use, understands them.
        let converse = AnthropicMessages.converseRequest(try ConverseFixtures.parse(body))
        let first = ContentBlock.blocks(converse["messages"]?.arrayValue?.first?["content"])
        #expect(first.map { ($0.mediaLabel ?? "") } == ["image png, 8 bytes", #"document pdf "report", 5 bytes"#,
                                                          #"document txt "document""#, ""])
    }

    @Test func cacheControlBecomesCachePointsAndUnmappedThingsStayVisible() throws {
        let body = #"{"anthropic_version":"bedrock-2023-05-31","max_tokens":8,"anthropic_beta":["computer-use-2025-01-24"],"#
            + #""thinking":{"type":"enabled","budget_tokens":2048},"#
            + #""system":[{"type":"text","text":"Long rules.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Short."}],"#
            + #""messages":[{"role":"user","content":[{"type":"text","text":"Hi","cache_control":{"type":"ephemeral"}},"#
            + #"{"type":"container_upload","file_id":"f1"},"plain string"]}],"#
            + #""tools":[{"name":"a","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}},"#
            + #"{"type":"bash_20250124","name":"bash"},{"type":"custom","name":"b","description":"B","input_schema":{}}],"#
            + #""tool_choice":{"type":"any","disable_parallel_tool_use":true}}"#
        #expect(try request(body) == #"{"messages":[{"role":"user","content":[{"text":"Hi"},{"cachePoint":{"type":"default"}},"#
            + #"{"container_upload":{"file_id":"f1"}},{"unknown":"plain string"}]}],"#
            + #""system":[{"text":"Long rules."},{"cachePoint":{"type":"default"}},{"text":"Short."}],"#
            + #""inferenceConfig":{"maxTokens":8},"toolConfig":{"tools":[{"toolSpec":{"name":"a","inputSchema":{"json":{"type":"object"}}}},"#
            + #"{"cachePoint":{"type":"default"}},{"toolSpec":{"name":"b","description":"B","inputSchema":{"json":{}}}}]},"#
            + #""additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["computer-use-2025-01-24"],"#
            + #""thinking":{"type":"enabled","budget_tokens":2048},"tools":[{"type":"bash_20250124","name":"bash"}],"#
            + #""tool_choice":{"type":"any","disable_parallel_tool_use":true}}}"#)
    }

    @Test func mapsEachToolChoiceConverseHas() throws {
        func choice(_ json: String) throws -> String {
            try request(#"{"anthropic_version":"v","messages":[],"tool_choice":"# + json + "}")
        }
        #expect(try choice(#"{"type":"tool","name":"get_weather"}"#)
            == #"{"messages":[],"toolConfig":{"toolChoice":{"tool":{"name":"get_weather"}}},"additionalModelRequestFields":{"anthropic_version":"v"}}"#)
        #expect(try choice(#"{"type":"any"}"#) == #"{"messages":[],"toolConfig":{"toolChoice":{"any":{}}},"additionalModelRequestFields":{"anthropic_version":"v"}}"#)
        #expect(try choice(#"{"type":"none"}"#) == #"{"messages":[],"additionalModelRequestFields":{"anthropic_version":"v","tool_choice":{"type":"none"}}}"#)
    }

    @Test func emptyAndOddRequestsStillReadAsSomething() throws {
        #expect(try request(#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":""},"#
            + #"{"role":"assistant","content":[]}]}"#)
            == #"{"messages":[{"role":"user","content":[{"text":""}]},{"role":"assistant","content":[]}],"#
            + #""inferenceConfig":{"maxTokens":1},"additionalModelRequestFields":{"anthropic_version":"bedrock-2023-05-31"}}"#)
        #expect(try request(#"{"anthropic_version":"x"}"#) == #"{"additionalModelRequestFields":{"anthropic_version":"x"}}"#)
        #expect(try request(#"[1]"#) == "{}")
        #expect(try request(#"{"messages":"nope","system":{"odd":1},"tools":{}}"#)
            == #"{"messages":[],"system":[{"unknown":{"odd":1}}],"additionalModelRequestFields":{"tools":{}}}"#)
    }

    @Test func readsAnAnswerAsTheConverseResponse() throws {
        #expect(try answer(AnthropicMessagesStreamTests.answer(#"[{"type":"text","text":"Paris."}]"#,
                                                              usage: #"{"input_tokens":21,"output_tokens":5}"#))
            == #"{"output":{"message":{"role":"assistant","content":[{"text":"Paris."}]}},"stopReason":"end_turn","#
            + #""usage":{"inputTokens":21,"outputTokens":5,"totalTokens":26}}"#)
        #expect(try answer(AnthropicMessagesStreamTests.answer(
            #"[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Lisbon"}}]"#, stopReason: #""tool_use""#))
            == #"{"output":{"message":{"role":"assistant","content":[{"toolUse":{"toolUseId":"toolu_1","name":"get_weather","#
            + #""input":{"city":"Lisbon"}}}]}},"stopReason":"tool_use","usage":{"inputTokens":21,"outputTokens":9,"totalTokens":30}}"#)
        #expect(try answer(AnthropicMessagesStreamTests.answer(
            #"[{"type":"thinking","thinking":"Hmm.","signature":"S"},{"type":"text","text":"4"}]"#, stopReason: #""max_tokens""#,
            usage: #"{"input_tokens":45,"cache_creation_input_tokens":10,"cache_read_input_tokens":1024,"output_tokens":88}"#))
            == #"{"output":{"message":{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"Hmm.","signature":"S"}}},"#
            + #"{"text":"4"}]}},"stopReason":"max_tokens","usage":{"inputTokens":45,"outputTokens":88,"totalTokens":1167,"#
            + #""cacheReadInputTokens":1024,"cacheWriteInputTokens":10}}"#)
    }

    @Test func readsEmptyAndPartialAnswers() throws {
        #expect(try answer(AnthropicMessagesStreamTests.answer("[]", stopReason: #""max_tokens""#))
            == #"{"output":{"message":{"role":"assistant","content":[]}},"stopReason":"max_tokens","#
            + #""usage":{"inputTokens":21,"outputTokens":9,"totalTokens":30}}"#)
        #expect(try answer(#"{"content":[{"type":"web_search_tool_result","tool_use_id":"s","content":[]}],"usage":{"input_tokens":1}}"#)
            == #"{"output":{"message":{"role":"assistant","content":[{"web_search_tool_result":{"tool_use_id":"s","content":[]}}]}},"#
            + #""usage":{"inputTokens":1}}"#)
        #expect(try answer("{}") == #"{"output":{"message":{"role":"assistant","content":[]}}}"#)
    }

    @Test(arguments: [("image/png", "png"), ("image/jpeg", "jpeg"), ("image/webp", "webp"), ("application/pdf", "pdf"),
                      ("text/plain", "txt"), ("text/markdown", "md"), ("text/csv", "csv"), ("odd", "odd")])
    func namesFormatsByMediaType(_ mediaType: String, _ format: String) {
        #expect(AnthropicMessages.format(mediaType: mediaType) == format)
    }
}

extension ContentBlock {
    /// The media label, if this is an image, document or video.
    fileprivate var mediaLabel: String? {
        if case .media(let media) = self { return media.label }
        return nil
    }
}
