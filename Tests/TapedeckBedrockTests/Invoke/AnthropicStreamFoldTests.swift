import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Folding decoded Anthropic Messages stream events, as Claude on Bedrock streams them, into InvokeModel answers.
@Suite struct AnthropicStreamFoldTests {
    static func events(_ lines: [String]) throws -> [JSONValue] {
        try lines.map(ConverseFixtures.parse)
    }

    static func compact(_ value: JSONValue) -> String {
        ConverseFixtures.string(JSONWriter.compact(value))
    }

    /// The folded answer of `lines`, compact, members in the order the fold writes them.
    private func folded(_ lines: [String]) throws -> String {
        Self.compact(try AnthropicMessages.fold(Self.events(lines)))
    }

    /// The reason `fold` gives for refusing `lines`, or nil if it folds them.
    private func refusal(_ lines: [String]) throws -> String? {
        do {
            _ = try AnthropicMessages.fold(Self.events(lines))
            return nil
        } catch let error as StreamFoldError {
            return error.reason
        }
    }

    static let start = #"{"type":"message_start","message":{"id":"msg_bdrk_01Hx8Z4Ck5dD9pXW3QvLr7Yt","type":"message","#
        + #""role":"assistant","model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"#
        + #""usage":{"input_tokens":21,"output_tokens":1}}}"#
    static let endTurn = #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}"#
    static let stop = #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":21,"outputTokenCount":5,"#
        + #""invocationLatency":412,"firstByteLatency":298}}"#

    /// A one-block text answer as Bedrock streams it: `content_block_start` with empty text, two deltas.
    static let textStream = [
        start,
        #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        #"{"type":"ping"}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Paris"}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":". Café ☕ 👩‍👩‍👧"}}"#,
        #"{"type":"content_block_stop","index":0}"#,
        endTurn,
        stop,
    ]

    @Test func foldsATextStreamIntoTheAnswerBedrockReturns() throws {
        #expect(try folded(Self.textStream)
            == #"{"id":"msg_bdrk_01Hx8Z4Ck5dD9pXW3QvLr7Yt","type":"message","role":"assistant","#
            + #""model":"claude-3-5-haiku-20241022","content":[{"type":"text","text":"Paris. Café ☕ 👩‍👩‍👧"}],"#
            + #""stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":21,"output_tokens":5}}"#)
    }

    /// Text, then a tool call whose input arrives as an empty piece and then JSON cut mid-token, as Claude streams it.
    @Test func foldsAToolUseTurnWithItsInputParsedFromThePieces() throws {
        let answer = try AnthropicMessages.fold(Self.events([
            Self.start,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check."}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","#
                + #""id":"toolu_bdrk_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ty\": \"Lis"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"bon\", \"days\": [1, 2.50]}"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":69}}"#,
            #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":407,"outputTokenCount":69,"#
                + #""invocationLatency":1592,"firstByteLatency":640}}"#,
        ]))
        #expect(Self.compact(answer["content"] ?? .null)
            == #"[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_bdrk_01T1x1fJ34qAmk2tNTrN7Up6","#
            + #""name":"get_weather","input":{"city":"Lisbon","days":[1,2.50]}}]"#)
        #expect(answer["stop_reason"] == .string("tool_use"))
        #expect(Self.compact(answer["usage"] ?? .null) == #"{"input_tokens":21,"output_tokens":69}"#)
    }

    /// Extended thinking (Claude 3.7 on Bedrock): a thinking block sealed by a signature, a redacted block that
    /// arrives whole in its start, then text; usage with prompt-cache counts that `message_delta` partly restates.
    @Test func foldsThinkingSignaturesAndRedactedThinking() throws {
        let answer = try AnthropicMessages.fold(Self.events([
            #"{"type":"message_start","message":{"id":"msg_bdrk_018","type":"message","role":"assistant","#
                + #""model":"claude-3-7-sonnet-20250219","content":[],"stop_reason":null,"stop_sequence":null,"#
                + #""usage":{"input_tokens":45,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,"output_tokens":4}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user asks 2+2."}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" That is 4."}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqoBCkgIARABGAIiQH0n"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix="}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"4"}}"#,
            #"{"type":"content_block_stop","index":2}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"#
                + #""usage":{"cache_read_input_tokens":1024,"output_tokens":88}}"#,
            #"{"type":"message_stop"}"#,
        ]))
        #expect(Self.compact(answer["content"] ?? .null)
            == #"[{"type":"thinking","thinking":"The user asks 2+2. That is 4.","signature":"EqoBCkgIARABGAIiQH0n"},"#
            + #"{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix="},{"type":"text","text":"4"}]"#)
        #expect(Self.compact(answer["usage"] ?? .null)
            == #"{"input_tokens":45,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,"output_tokens":88}"#)
    }

    /// A thinking start without `signature` (as Anthropic documents it) gets the signature appended after `thinking`;
    /// citations are added to the text block's list.
    @Test func addsMembersTheStartLeftOutInDeltaOrder() throws {
        let answer = try AnthropicMessages.fold(Self.events([
            Self.start,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"SIG"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":"","citations":[]}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Grass is green."}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location","#
                + #""cited_text":"The grass is green.","document_index":0,"start_char_index":0,"end_char_index":20}}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            Self.endTurn,
            #"{"type":"message_stop"}"#,
        ]))
        #expect(Self.compact(answer["content"] ?? .null)
            == #"[{"type":"thinking","thinking":"Hmm.","signature":"SIG"},{"type":"text","text":"Grass is green.","#
            + #""citations":[{"type":"char_location","cited_text":"The grass is green.","document_index":0,"#
            + #""start_char_index":0,"end_char_index":20}]}]"#)
    }

    @Test func foldsAnAnswerWithNoContentAndSkipsEventTypesItDoesNotKnow() throws {
        #expect(try folded([
            #"{"type":"ping"}"#, Self.start, #"{"type":"future_event","x":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":0}}"#,
            Self.stop,
        ]) == #"{"id":"msg_bdrk_01Hx8Z4Ck5dD9pXW3QvLr7Yt","type":"message","role":"assistant","#
            + #""model":"claude-3-5-haiku-20241022","content":[],"stop_reason":"max_tokens","stop_sequence":null,"#
            + #""usage":{"input_tokens":21,"output_tokens":0}}"#)
    }

    @Test func laterMessageDeltasTakePrecedenceAndNewMembersAreAdded() throws {
        let answer = try AnthropicMessages.fold(Self.events([
            #"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"usage":{"input_tokens":3}}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"\n\nHuman:"},"usage":{"output_tokens":2}}"#,
            #"{"type":"message_stop"}"#,
        ]))
        #expect(Self.compact(answer) == #"{"id":"m","type":"message","role":"assistant","content":[],"#
            + #""usage":{"input_tokens":3,"output_tokens":2},"stop_reason":"stop_sequence","stop_sequence":"\n\nHuman:"}"#)
    }

    @Test func refusesStreamsThatAreIncompleteOrMalformed() throws {
        let open = #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#
        let close = #"{"type":"content_block_stop","index":0}"#
        #expect(try refusal(Array(Self.textStream.dropLast())) == "the stream does not end with message_stop")
        #expect(try refusal(Array(Self.textStream.dropFirst())) == "event 0 (content_block_start): a content_block_start before message_start")
        #expect(try refusal([]) == "the stream has no message_start")
        #expect(try refusal(Self.textStream + [#"{"type":"ping"}"#])
            == "event 8 (ping): an event after message_stop, which must end the stream")
        #expect(try refusal([Self.start, Self.start]) == "event 1 (message_start): a second message_start")
        #expect(try refusal([Self.start, open, Self.stop]) == "the stream has no message_delta (no stop_reason)")
        #expect(try refusal([Self.start, open, Self.endTurn, Self.stop]) == "block 0 has no content_block_stop")
        #expect(try refusal([Self.start, #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
                             #"{"type":"content_block_stop","index":1}"#, Self.endTurn, Self.stop])
            == "blocks [1] are not numbered from 0 without gaps")
        #expect(try refusal([Self.start, open, open]) == "event 2 (content_block_start): block 0 started twice")
        #expect(try refusal([Self.start, open, close, close]) == "event 3 (content_block_stop): a stop for block 0, which is not open")
        #expect(try refusal([Self.start, open, close, #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}"#])
            == "event 3 (content_block_delta): a delta for block 0, which is not open")
        #expect(try refusal([Self.start, open, #"{"type":"content_block_delta","index":0,"delta":{"type":"image_delta","x":1}}"#])
            == #"event 2 (content_block_delta): block 0: unsupported delta type "image_delta""#)
        #expect(try refusal([Self.start, open, #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}}"#])
            == #"event 2 (content_block_delta): block 0: expected "delta.text" to be a string"#)
        #expect(try refusal([Self.start, #"{"type":"content_block_start","index":-1,"content_block":{"type":"text"}}"#])
            == #"event 1 (content_block_start): expected "index" to be a non-negative integer"#)
        #expect(try refusal([Self.start, #"{"type":"content_block_start","index":0,"content_block":"text"}"#])
            == #"event 1 (content_block_start): expected "content_block" to be an object with a string "type""#)
        #expect(try refusal([Self.start, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#])
            == "event 1 (error): the stream reports overloaded_error: Overloaded")
        #expect(try refusal([#"["message_start"]"#]) == #"event 0 (no type): expected an event to be an object with a string "type""#)
        #expect(try refusal([#"{"type":"message_start","message":{"content":[{"type":"text","text":"x"}]}}"#])
            == #"event 0 (message_start): expected "message.content" to be an empty array"#)
    }

    @Test func refusesToolInputThatIsNotJSONAndDeltasForMembersOfAnotherKind() throws {
        let tool = #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}"#
        let cut = #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Lis"}}"#
        let reason = try refusal([Self.start, tool, cut, #"{"type":"content_block_stop","index":0}"#])
        #expect(reason?.hasPrefix("event 3 (content_block_stop): block 0: the joined input_json_delta is not valid JSON (") == true)
        #expect(try refusal([Self.start, #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":7}}"#,
                             #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}"#,
                             #"{"type":"content_block_stop","index":0}"#])
            == #"event 3 (content_block_stop): block 0: "text" deltas for a start whose "text" is not a string"#)
    }

    /// Ten thousand one-character deltas fold to the whole text (the fold appends in place, without copying it).
    @Test func foldsManySmallDeltas() throws {
        var events = try Self.events([Self.start, #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#])
        let delta = try ConverseFixtures.parse(#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"é"}}"#)
        events += Array(repeating: delta, count: 10_000)
        events += try Self.events([#"{"type":"content_block_stop","index":0}"#, Self.endTurn, Self.stop])
        let answer = try AnthropicMessages.fold(events)
        #expect(answer["content"]?.arrayValue?.first?["text"]?.stringValue == String(repeating: "é", count: 10_000))
    }
}
