import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Answering InvokeModelWithResponseStream from a recorded Anthropic Messages answer, and folding that back.
@Suite struct AnthropicMessagesStreamTests {
    /// An answer as Bedrock returns it for Claude, with `content` and the stop and usage members given.
    static func answer(_ content: String, stopReason: String = #""end_turn""#, stopSequence: String = "null",
                       usage: String = #"{"input_tokens":21,"output_tokens":9}"#, extra: String = "") -> String {
        #"{"id":"msg_bdrk_01Hx8Z4Ck5dD9pXW3QvLr7Yt","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","#
            + #""content":"# + content + #","stop_reason":"# + stopReason + #","stop_sequence":"# + stopSequence
            + #","usage":"# + usage + extra + "}"
    }

    private func lines(_ answer: String) throws -> [String] {
        try AnthropicMessages.events(from: ConverseFixtures.parse(answer)).map(AnthropicStreamFoldTests.compact)
    }

    private func refusal(_ answer: String) throws -> String? {
        do {
            _ = try AnthropicMessages.events(from: ConverseFixtures.parse(answer))
            return nil
        } catch let error as StreamFoldError {
            return error.reason
        }
    }

    static let roundTripAnswers: [String] = [
        answer(#"[{"type":"text","text":"Paris."}]"#),
        answer(#"[{"type":"text","text":"Première ligne — café ☕, 👩‍👩‍👧 🇵🇹 日本語 e\u0301.\n\n  Indented\ttab "}]"#),
        answer(#"[]"#, stopReason: #""max_tokens""#),
        answer(#"[{"type":"text","text":""}]"#),
        answer(#"[{"type":"text","text":"I'll look that up."},{"type":"tool_use","id":"toolu_bdrk_01T1x1fJ34qAmk2tNTrN7Up6","#
            + #""name":"get_weather","input":{"city":"Lisbon","units":"metric","days":[1,2.50,-0],"exact":1E3,"note":"ça \"va\""}}]"#,
            stopReason: #""tool_use""#),
        // Tool-only, parallel calls, one with empty input.
        answer(#"[{"type":"tool_use","id":"t1","name":"a","input":{"q":"x"}},{"type":"tool_use","id":"t2","name":"now","input":{}}]"#,
               stopReason: #""tool_use""#),
        answer(#"[{"type":"thinking","thinking":"The user asks 2+2. That is four.","signature":"EqoBCkgIARABGAIiQH0n"},"#
            + #"{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix="},{"type":"text","text":"4"}]"#,
            usage: #"{"input_tokens":45,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,"output_tokens":88}"#),
        answer(#"[{"type":"thinking","thinking":"","signature":"EqoB"},{"type":"text","text":"ok"}]"#),
        answer(#"[{"type":"text","text":"Stopped"}]"#, stopReason: #""stop_sequence""#, stopSequence: #""\n\nHuman:""#),
        answer(#"[{"type":"text","text":"Grass is green.","citations":[{"type":"char_location","cited_text":"The grass is green.","#
            + #""document_index":0,"document_title":null,"start_char_index":0,"end_char_index":20}]},{"type":"text","text":" And more."}]"#),
        // A block type this code does not know travels whole in its start.
        answer(#"[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"x"}},{"type":"text","text":"y"}]"#,
               usage: #"{"input_tokens":3,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"#
                + #""output_tokens":0,"service_tier":"standard"}"#),
        // No stop_sequence member at all, and members Bedrock may add after usage.
        #"{"id":"m","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"a"}],"#
            + #""stop_reason":"refusal","usage":{"input_tokens":1,"output_tokens":1},"container":null}"#,
    ]

    @Test(arguments: roundTripAnswers)
    func foldingTheSynthesizedEventsGivesBackTheAnswerExactly(_ text: String) throws {
        let answer = try ConverseFixtures.parse(text)
        let folded = try AnthropicMessages.fold(AnthropicMessages.events(from: answer))
        #expect(AnthropicStreamFoldTests.compact(folded) == AnthropicStreamFoldTests.compact(answer))
        #expect(folded == answer)
    }

    /// Random answers built from the shapes above: any mix of text, tool calls with random JSON input, thinking and
    /// redacted thinking, in any order and number, with random text.
    @Test func foldingTheSynthesizedEventsOfRandomAnswersGivesThemBack() throws {
        var rng = TestSeed.generator()
        for round in 0..<200 {
            let blocks = (0..<Int.random(in: 0...5, using: &rng)).map { _ in RandomAnswers.block(using: &rng) }
            let output = Int.random(in: 0...4000, using: &rng)
            let answer = JSONValue.object([
                JSONMember("id", .string("msg_bdrk_\(round)")), JSONMember("type", .string("message")),
                JSONMember("role", .string("assistant")), JSONMember("model", .string("claude-sonnet-4-20250514")),
                JSONMember("content", .array(blocks)), JSONMember("stop_reason", .string("end_turn")),
                JSONMember("stop_sequence", .null),
                JSONMember("usage", .object([JSONMember("input_tokens", .number("12")), JSONMember("output_tokens", .number(String(output)))])),
            ])
            let events = try AnthropicMessages.events(from: answer)
            #expect(try AnthropicMessages.fold(events) == answer, "round \(round), \(TestSeed.replay)")
            #expect(AnthropicMessages.usage(ofEvents: events).map { [$0.input, $0.output] } == [12, output],
                    "round \(round), \(TestSeed.replay)")
        }
    }

    @Test func streamsATextAndToolUseTurnAsClaudeOnBedrockDoes() throws {
        let answer = Self.answer(#"[{"type":"text","text":"Let me check."},"#
            + #"{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Lisbon"}}]"#,
            stopReason: #""tool_use""#, usage: #"{"input_tokens":407,"output_tokens":69}"#)
        #expect(try lines(answer) == [
            #"{"type":"message_start","message":{"id":"msg_bdrk_01Hx8Z4Ck5dD9pXW3QvLr7Yt","type":"message","role":"assistant","#
                + #""model":"claude-3-5-haiku-20241022","content":[],"stop_reason":null,"stop_sequence":null,"#
                + #""usage":{"input_tokens":407,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check."}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":\"Lisbon\"}"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":69}}"#,
            #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":407,"outputTokenCount":69,"#
                + #""invocationLatency":0,"firstByteLatency":0}}"#,
        ])
    }

    @Test func streamsThinkingAsThinkingThenSignatureDeltas() throws {
        let answer = Self.answer(#"[{"type":"thinking","thinking":"Two plus two.","signature":"SIG"},"#
            + #"{"type":"redacted_thinking","data":"AAEC"}]"#, usage: #"{"input_tokens":5,"output_tokens":0}"#)
        #expect(try lines(answer).dropFirst().dropLast(2) == [
            #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Two plus two."}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"SIG"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"AAEC"}}"#,
            #"{"type":"content_block_stop","index":1}"#,
        ])
        #expect(try lines(answer).first?.hasSuffix(#""usage":{"input_tokens":5,"output_tokens":0}}}"#) == true,
                "message_start never claims more output than the answer has")
    }

    @Test func refusesAnswersItCannotStream() throws {
        #expect(try refusal(#"[]"#) == #"expected the answer to be an object"#)
        #expect(try refusal(#"{"stop_reason":"end_turn","usage":{}}"#) == #"expected "content" to be an array"#)
        #expect(try refusal(#"{"content":[],"usage":{"input_tokens":1,"output_tokens":1}}"#) == #"expected "stop_reason" to be present"#)
        #expect(try refusal(#"{"content":[],"stop_reason":"end_turn"}"#) == #"expected "usage" to be an object"#)
        #expect(try refusal(Self.answer("[]", usage: #"{"input_tokens":1}"#))
            == #"expected "usage.input_tokens" and "usage.output_tokens" to be integers"#)
        #expect(try refusal(Self.answer(#"[{"text":"no type"}]"#))
            == #"content block 0: expected a content block to be an object with a string "type""#)
        #expect(try refusal(Self.answer(#"[{"type":"text","text":null}]"#)) == #"content block 0: expected "text" to be a string"#)
        #expect(try refusal(Self.answer(#"[{"type":"text","text":"a"},{"type":"tool_use","id":"t","name":"n"}]"#))
            == #"content block 1: expected "input" to be present"#)
        #expect(try refusal(Self.answer(#"[{"type":"thinking","thinking":"a","signature":5}]"#))
            == #"content block 0: expected "signature" to be a string"#)
    }
}

/// Random Anthropic answer blocks for the round-trip property.
enum RandomAnswers {
    static let words = ["the", "café", "☕", "👩‍👩‍👧", "日本語", "e\u{301}", "\"quoted\"", "back\\slash", "\n", "\t", "  ", "{", "}", ""]

    static func text(using rng: inout some RandomNumberGenerator) -> String {
        (0..<Int.random(in: 0...12, using: &rng)).map { _ in words.randomElement(using: &rng)! }.joined(separator: " ")
    }

    static func block(using rng: inout some RandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            return .object([JSONMember("type", .string("text")), JSONMember("text", .string(text(using: &rng)))])
        case 1:
            return .object([JSONMember("type", .string("tool_use")), JSONMember("id", .string("toolu_\(rng.next() % 1000)")),
                            JSONMember("name", .string("tool")), JSONMember("input", json(depth: 0, using: &rng))])
        case 2:
            var members = [JSONMember("type", .string("thinking")), JSONMember("thinking", .string(text(using: &rng)))]
            if Bool.random(using: &rng) { members.append(JSONMember("signature", .string(text(using: &rng)))) }
            return .object(members)
        default:
            return .object([JSONMember("type", .string("redacted_thinking")), JSONMember("data", .string("EmwKAhgB"))])
        }
    }

    /// A random JSON value; objects at the top, as tool inputs are. Number literals keep their spelling.
    static func json(depth: Int, using rng: inout some RandomNumberGenerator) -> JSONValue {
        let kind = depth == 0 ? 5 : Int.random(in: 0..<(depth > 2 ? 4 : 6), using: &rng)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(["0", "-0", "1.50", "1E3", "-2.5e-7", "12345678901234567890"].randomElement(using: &rng)!)
        case 3: return .string(text(using: &rng))
        case 4: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in json(depth: depth + 1, using: &rng) })
        default:
            let count = Int.random(in: 0...3, using: &rng)
            return .object((0..<count).map { JSONMember("k\($0)", json(depth: depth + 1, using: &rng)) })
        }
    }
}
