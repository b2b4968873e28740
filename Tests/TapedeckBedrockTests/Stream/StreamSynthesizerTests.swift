import Testing
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Answering `converse-stream` from a recorded Converse body, and folding that answer back.
@Suite struct StreamSynthesizerTests {
    private static let tail = #""usage":{"inputTokens":21,"outputTokens":9,"totalTokens":30},"metrics":{"latencyMs":512}"#

    /// A body with `content` as the message's content and `extra` members after the required ones.
    private static func body(_ content: String, stopReason: String = "end_turn", extra: String = "") -> String {
        #"{"output":{"message":{"role":"assistant","content":"# + content + #"}},"stopReason":""# + stopReason
            + #"","# + tail + extra + "}"
    }

    /// The events as `type payload` lines, payloads compact, for exact comparison.
    private func lines(_ body: String) throws -> [String] {
        try StreamSynthesizer.events(from: ConverseFixtures.parse(body)).map {
            "\($0.type) \(StreamFolderTests.compact($0.payload))"
        }
    }

    private func refusal(_ body: String) throws -> String? {
        do {
            _ = try StreamSynthesizer.events(from: ConverseFixtures.parse(body))
            return nil
        } catch let error as StreamFoldError {
            return error.reason
        }
    }

    static let roundTripBodies: [String] = [
        body(#"[{"text":"Hello!"}]"#),
        body(#"[{"text":"Première ligne — café ☕, naïve façade.\n\nSecond paragraph: 👩‍👩‍👧 family, 🇵🇹 flag, "#
            + #"日本語のテキスト and e\u0301 combining.\n\n  Indented   spaces\tand a tab, trailing space "}]"#),
        body(#"[{"text":"First block."},{"text":""},{"text":"   "},{"text":"Third\r\nwith CRLF"}]"#),
        body(#"[{"text":"I'll look that up."},{"toolUse":{"toolUseId":"tooluse_abc","name":"get_weather","#
            + #""input":{"city":"Lisbon","units":"metric","days":[1,2.50,-0],"exact":1E3,"note":"ça \"va\""}}}]"#,
            stopReason: "tool_use"),
        body(#"[{"toolUse":{"toolUseId":"t1","name":"a","input":{"q":"x"}}},"#
            + #"{"toolUse":{"toolUseId":"t2","name":"b","input":{"nested":{"deep":[null,true,false]}}}}]"#,
            stopReason: "tool_use"),
        body(#"[{"toolUse":{"toolUseId":"t0","name":"now","input":{}}}]"#, stopReason: "tool_use"),
        body(#"[{"reasoningContent":{"reasoningText":{"text":"The user asks 2+2. That is four, plainly.","#
            + #""signature":"EqoBCkgIARABGAIiQH0n"}}},{"text":"4"}]"#),
        body(#"[{"reasoningContent":{"reasoningText":{"text":"no signature here"}}},{"text":"ok"}]"#),
        body(#"[{"reasoningContent":{"redactedContent":"EmwKAhgBEgwsVHV0b3JpYWwgcmVkYWN0ZWQ="}},{"text":"Done."}]"#),
        body(#"[{"text":"Short."}]"#, stopReason: "max_tokens",
             extra: #","additionalModelResponseFields":{"stop_sequence":null,"nested":{"a":[1,2]}},"#
                + #""trace":{"guardrail":{"modelOutput":["Short."]}},"performanceConfig":{"latency":"optimized"},"#
                + #""serviceTier":{"type":"priority"}"#),
    ]

    @Test(arguments: roundTripBodies)
    func foldingTheSynthesizedEventsGivesBackTheBody(_ text: String) throws {
        let body = try ConverseFixtures.parse(text)
        let folded = try StreamFolder.fold(StreamSynthesizer.events(from: body))
        #expect(try StreamFolderTests.canonical(folded) == StreamFolderTests.canonical(body))
    }

    @Test func streamsATextAndToolUseTurnInProtocolOrder() throws {
        let body = Self.body(#"[{"text":"Let me check that for you."},"#
            + #"{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Lisbon"}}}]"#,
            stopReason: "tool_use", extra: #","trace":{"t":1},"serviceTier":{"type":"flex"}"#)
        #expect(try lines(body) == [
            #"messageStart {"role":"assistant"}"#,
            #"contentBlockDelta {"contentBlockIndex":0,"delta":{"text":"Let me check that "}}"#,
            #"contentBlockDelta {"contentBlockIndex":0,"delta":{"text":"for you."}}"#,
            #"contentBlockStop {"contentBlockIndex":0}"#,
            #"contentBlockStart {"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather"}}}"#,
            #"contentBlockDelta {"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":\"Lisbon\"}"}}}"#,
            #"contentBlockStop {"contentBlockIndex":1}"#,
            #"messageStop {"stopReason":"tool_use"}"#,
            #"metadata {"usage":{"inputTokens":21,"outputTokens":9,"totalTokens":30},"metrics":{"latencyMs":512},"#
                + #""trace":{"t":1},"serviceTier":{"type":"flex"}}"#,
        ])
        let events = try StreamSynthesizer.events(from: ConverseFixtures.parse(body))
        #expect(events.allSatisfy { $0.offsetMs == 0 })
    }

    @Test func streamsReasoningThenItsSignatureAndRedactedReasoningAsOneDelta() throws {
        let body = Self.body(#"[{"reasoningContent":{"reasoningText":{"text":"a b c d e","signature":"SIG"}}},"#
            + #"{"reasoningContent":{"redactedContent":"AAEC"}}]"#,
            extra: #","additionalModelResponseFields":{"x":1}"#)
        #expect(try lines(body).dropFirst().dropLast() == [
            #"contentBlockDelta {"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"a b c d "}}}"#,
            #"contentBlockDelta {"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"e"}}}"#,
            #"contentBlockDelta {"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"SIG"}}}"#,
            #"contentBlockStop {"contentBlockIndex":0}"#,
            #"contentBlockDelta {"contentBlockIndex":1,"delta":{"reasoningContent":{"redactedContent":"AAEC"}}}"#,
            #"contentBlockStop {"contentBlockIndex":1}"#,
            #"messageStop {"stopReason":"end_turn","additionalModelResponseFields":{"x":1}}"#,
        ])
    }

    @Test func emptyTextIsOneEmptyDelta() throws {
        #expect(try lines(Self.body(#"[{"text":""}]"#))[1] == #"contentBlockDelta {"contentBlockIndex":0,"delta":{"text":""}}"#)
    }

    @Test func cutsTextIntoChunksOfAtMostFourWordsThatJoinBackExactly() {
        #expect(StreamSynthesizer.chunks(of: "") == [""])
        #expect(StreamSynthesizer.chunks(of: "one two three four five") == ["one two three four ", "five"])
        #expect(StreamSynthesizer.chunks(of: "  lead\n\nand  trail  ") == ["  lead\n\nand  trail  "])
        #expect(StreamSynthesizer.chunks(of: "a b c d\n\ne f 👩‍👩‍👧 g h i")
            == ["a b c d\n\n", "e f 👩‍👩‍👧 g ", "h i"])
        let text = "Première ligne — café ☕.\n\nSecond 🇵🇹 paragraph with e\u{301} and 日本語 text, "
            + String(repeating: "word ", count: 37) + "end."
        let chunks = StreamSynthesizer.chunks(of: text)
        #expect(Array(chunks.joined().utf8) == Array(text.utf8))
        for chunk in chunks {
            #expect(chunk.split(whereSeparator: \.isWhitespace).count <= StreamSynthesizer.wordsPerChunk)
        }
    }

    @Test func refusesBlocksAndBodiesItCannotStream() throws {
        #expect(try refusal(Self.body(#"[{"text":"a"},{"image":{"format":"png","source":{"bytes":"AA=="}}}]"#))
            == #"content block 1: a "image" block cannot be streamed"#)
        #expect(try refusal(Self.body(#"[{"citationsContent":{"content":[{"text":"x"}],"citations":[]}}]"#))
            == #"content block 0: a "citationsContent" block cannot be streamed"#)
        #expect(try refusal(Self.body(#"[{"toolUse":{"toolUseId":"t","input":{}}}]"#))
            == #"content block 0: expected "name" to be a string"#)
        #expect(try refusal(Self.body(#"[{"reasoningContent":{"reasoningText":{"text":"a"},"redactedContent":"AA=="}}]"#))
            == #"content block 0: expected "reasoningContent" to be an object with exactly one member"#)
        #expect(try refusal(#"{"stopReason":"end_turn"}"#) == #"expected "output.message" to be present"#)
        #expect(try refusal(#"{"output":{"message":{"role":"assistant","content":[]}},"stopReason":"end_turn"}"#)
            == #"expected "usage" to be present"#)
    }
}
