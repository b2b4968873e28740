import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Folding recorded ConverseStream events, written by hand in PROTOCOL.md's order, into Converse bodies.
@Suite struct StreamFolderTests {
    static func event(_ type: String, _ payload: String) throws -> StreamEvent {
        StreamEvent(type: type, payload: try ConverseFixtures.parse(payload))
    }

    static func compact(_ value: JSONValue) -> String {
        ConverseFixtures.string(JSONWriter.compact(value))
    }

    static func canonical(_ value: JSONValue) throws -> String {
        ConverseFixtures.string(try JSONWriter.canonical(value))
    }

    /// The folded body of `events`, in compact form (member order as the folder writes it).
    private func folded(_ events: [StreamEvent]) throws -> String {
        Self.compact(try StreamFolder.fold(events))
    }

    /// The reason `fold` gives for refusing `events`, or nil if it folds them.
    private func refusal(_ events: [StreamEvent]) -> String? {
        do {
            _ = try StreamFolder.fold(events)
            return nil
        } catch {
            return error.reason
        }
    }

    private let start = #"{"role":"assistant","p":"abcdefghijklmnopqrstuvwxyzABCDEFGH"}"#
    private let endTurn = #"{"stopReason":"end_turn","p":"abcdefghijklm"}"#
    private let metadata = #"{"usage":{"inputTokens":12,"outputTokens":7,"totalTokens":19},"#
        + #""metrics":{"latencyMs":431},"p":"abcdefghijklmnopqrstu"}"#

    @Test func foldsAPaddedTextStreamExactly() throws {
        let events = [
            try Self.event("messageStart", start),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"abcd"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":" there, café ☕!"},"p":"ab"}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":0,"p":"abcdefghijklmnopq"}"#),
            try Self.event("messageStop", endTurn),
            try Self.event("metadata", metadata),
        ]
        let expected = #"{"output":{"message":{"role":"assistant","content":[{"text":"Hi there, café ☕!"}]}},"#
            + #""stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":7,"totalTokens":19},"#
            + #""metrics":{"latencyMs":431}}"#
        #expect(try folded(events) == expected)
    }

    /// A tool-use turn as Bedrock streams it for Claude: a text block without a start, then a toolUse block whose
    /// input JSON is cut mid-token across deltas.
    @Test func foldsAToolUseTurnToTheConverseBody() throws {
        let events = [
            try Self.event("messageStart", start),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Let me"},"p":"abcdefgh"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":" check the weather."},"p":"abc"}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":0,"p":"abcdefghijklmnopqrstuvwxyzABC"}"#),
            try Self.event("contentBlockStart", #"{"contentBlockIndex":1,"start":{"toolUse":"#
                + #"{"toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q","name":"get_weather"}},"p":"abcdefghijklmnop"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":""}},"p":"abcde"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"ci"}},"p":"a"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"ty\": \"Lis"}},"p":"ab"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"bon\"}"}},"p":"abc"}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":1,"p":"abcdefghijklmnopqrstuvwxyzABCDEF"}"#),
            try Self.event("messageStop", #"{"stopReason":"tool_use","p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"}"#),
            try Self.event("metadata", #"{"usage":{"inputTokens":407,"outputTokens":69,"totalTokens":476},"#
                + #""metrics":{"latencyMs":1592},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"}"#),
        ]
        let expected = """
        {
          "output": {
            "message": {
              "role": "assistant",
              "content": [
                {"text": "Let me check the weather."},
                {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather",
                             "input": {"city": "Lisbon"}}}
              ]
            }
          },
          "stopReason": "tool_use",
          "usage": {"inputTokens": 407, "outputTokens": 69, "totalTokens": 476},
          "metrics": {"latencyMs": 1592}
        }
        """
        #expect(try folded(events) == Self.compact(ConverseFixtures.parse(expected)))
    }

    @Test func foldsReasoningWithItsSignatureThenText() throws {
        let events = [
            try Self.event("messageStart", start),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"The user "}},"p":"ab"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"wants 2+2."}},"p":"a"}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"EqoBCkgIARABGAIi"}},"p":"abc"}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"text":"4"},"p":"abcdef"}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":1}"#),
            try Self.event("messageStop", endTurn),
            try Self.event("metadata", metadata),
        ]
        let content = try folded(events).split(separator: #""stopReason""#)[0]
        #expect(content == #"{"output":{"message":{"role":"assistant","content":["#
            + #"{"reasoningContent":{"reasoningText":{"text":"The user wants 2+2.","signature":"EqoBCkgIARABGAIi"}}},"#
            + #"{"text":"4"}]}},"#)
    }

    @Test func foldsRedactedReasoningAsStreamed() throws {
        let events = [
            try Self.event("messageStart", start),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"redactedContent":"AAEC"}}}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"redactedContent":"AwQ="}}}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
            try Self.event("messageStop", endTurn),
            try Self.event("metadata", metadata),
        ]
        let body = try StreamFolder.fold(events)
        #expect(body["output"]?["message"]?["content"] == .array([
            .object([JSONMember("reasoningContent", .object([JSONMember("redactedContent", .string("AAECAwQ="))]))]),
        ]))
    }

    @Test func toolUseWithoutInputFoldsToAnEmptyObjectAndKeepsItsType() throws {
        for deltas in [[], [#"{"contentBlockIndex":0,"delta":{"toolUse":{"input":""}}}"#]] {
            let events = [try Self.event("messageStart", start),
                          try Self.event("contentBlockStart", #"{"contentBlockIndex":0,"start":{"toolUse":"#
                              + #"{"toolUseId":"t1","name":"now","type":"server_tool_use"}}}"#)]
                + (try deltas.map { try Self.event("contentBlockDelta", $0) })
                + [try Self.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
                   try Self.event("messageStop", #"{"stopReason":"tool_use"}"#), try Self.event("metadata", metadata)]
            let content = try #require(StreamFolder.fold(events)["output"]?["message"]?["content"])
            #expect(Self.compact(content) == #"[{"toolUse":{"toolUseId":"t1","name":"now","input":{},"type":"server_tool_use"}}]"#)
        }
    }

    @Test func keepsOptionalFieldsOfMessageStopAndMetadata() throws {
        let events = [
            try Self.event("messageStart", start),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"ok"}}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
            try Self.event("messageStop", #"{"stopReason":"max_tokens","additionalModelResponseFields":{"stop_sequence":null},"p":"ab"}"#),
            try Self.event("metadata", #"{"usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4,"cacheReadInputTokens":0},"#
                + #""metrics":{"latencyMs":42},"trace":{"guardrail":{"modelOutput":["ok"]}},"#
                + #""performanceConfig":{"latency":"optimized"},"serviceTier":{"type":"priority"},"p":"abc"}"#),
        ]
        let expected = #"{"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"max_tokens","#
            + #""usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4,"cacheReadInputTokens":0},"metrics":{"latencyMs":42},"#
            + #""additionalModelResponseFields":{"stop_sequence":null},"trace":{"guardrail":{"modelOutput":["ok"]}},"#
            + #""performanceConfig":{"latency":"optimized"},"serviceTier":{"type":"priority"}}"#
        #expect(try folded(events) == expected)
    }

    @Test func ordersBlocksByIndexWhenTheirEventsInterleave() throws {
        let events = [
            try Self.event("messageStart", start),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"text":"second"}}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"fir"}}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"st"}}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":1}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
            try Self.event("messageStop", endTurn),
            try Self.event("metadata", metadata),
        ]
        let content = try #require(StreamFolder.fold(events)["output"]?["message"]?["content"])
        #expect(Self.compact(content) == #"[{"text":"first"},{"text":"second"}]"#)
    }

    /// Unverified against live Bedrock: text and citation deltas of one block fold to one `citationsContent`.
    @Test func foldsCitationDeltasIntoCitationsContent() throws {
        let citation = #"{"title":"Grass facts","sourceContent":[{"text":"The grass is green."}],"#
            + #""location":{"documentChar":{"documentIndex":0,"start":0,"end":19}}}"#
        let events = [
            try Self.event("messageStart", start),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"citation":"# + citation + "},\"p\":\"ab\"}"),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"the grass "}}"#),
            try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"is green"}}"#),
            try Self.event("contentBlockStop", #"{"contentBlockIndex":0}"#),
            try Self.event("messageStop", endTurn),
            try Self.event("metadata", metadata),
        ]
        let content = try #require(StreamFolder.fold(events)["output"]?["message"]?["content"])
        #expect(Self.compact(content)
            == #"[{"citationsContent":{"content":[{"text":"the grass is green"}],"citations":["# + citation + "]}}]")
    }

    @Test func refusesIncompleteStreams() throws {
        let text = try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#)
        let messageStart = try Self.event("messageStart", start)
        let messageStop = try Self.event("messageStop", endTurn)
        let metadataEvent = try Self.event("metadata", metadata)
        #expect(refusal([text, messageStop, metadataEvent]) == "the stream has no messageStart")
        #expect(refusal([messageStart, text, metadataEvent]) == "the stream has no messageStop")
        #expect(refusal([messageStart, text, messageStop]) == "the stream has no metadata event")
        #expect(refusal([messageStart, text, messageStop, try Self.event("metadata", #"{"metrics":{"latencyMs":1}}"#)])
            == #"metadata: expected "usage" to be present"#)
    }

    @Test(arguments: [
        ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{}"}}}"#,
         "event 1 (contentBlockDelta): block 0: tool input arrived with no contentBlockStart naming the tool, "
            + "so the block's kind is unknown"),
        ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"image":{"format":"png"}}}"#,
         #"event 1 (contentBlockDelta): block 0: unsupported delta "image""#),
        ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"p":"abc"}}"#,
         "event 1 (contentBlockDelta): block 0: a delta must have exactly one member, found none"),
        ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"a","toolUse":{"input":""}}}"#,
         #"event 1 (contentBlockDelta): block 0: a delta must have exactly one member, found "text", "toolUse""#),
        ("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"summary":"x"}}}"#,
         #"event 1 (contentBlockDelta): block 0: unsupported reasoningContent delta "summary""#),
        ("contentBlockDelta", #"{"contentBlockIndex":-1,"delta":{"text":"a"}}"#,
         #"event 1 (contentBlockDelta): expected "contentBlockIndex" to be a non-negative integer"#),
        ("contentBlockStart", #"{"contentBlockIndex":0,"start":{"toolResult":{"toolUseId":"t"}}}"#,
         #"event 1 (contentBlockStart): block 0: unsupported contentBlockStart "toolResult""#),
        ("contentBlockStart", #"{"contentBlockIndex":0,"start":{"toolUse":{"name":"f"}}}"#,
         #"event 1 (contentBlockStart): block 0: expected "toolUseId" to be a string"#),
        ("contentBlockStop", #"{"contentBlockIndex":3}"#,
         "event 1 (contentBlockStop): block 3 stopped without a start or any delta, so its kind is unknown"),
        ("messageStart", #"{"role":"assistant"}"#, "event 1 (messageStart): a second messageStart"),
        ("internalServerException", #"{"message":"boom"}"#,
         #"event 1 (internalServerException): unknown event type "internalServerException""#),
    ])
    func refusesMalformedEvents(type: String, payload: String, reason: String) throws {
        let events = [try Self.event("messageStart", start), try Self.event(type, payload),
                      try Self.event("messageStop", endTurn), try Self.event("metadata", metadata)]
        #expect(refusal(events) == reason)
    }

    @Test func refusesToolInputThatIsNotJSONAndMismatchedDeltas() throws {
        let toolStart = try Self.event("contentBlockStart", #"{"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"t9","name":"f"}}}"#)
        let cut = try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"city\": \"Lis"}}}"#)
        let tail = [try Self.event("messageStop", endTurn), try Self.event("metadata", metadata)]
        let reason = try #require(refusal([try Self.event("messageStart", start), toolStart, cut] + tail))
        #expect(reason.hasPrefix(#"block 0: tool input of toolUseId "t9" is not valid JSON (invalid JSON at byte"#))
        let text = try Self.event("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"hi"}}"#)
        #expect(refusal([try Self.event("messageStart", start), toolStart, text] + tail)
            == "event 2 (contentBlockDelta): block 0: a text delta does not belong in a toolUse block")
        let redacted = #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"redactedContent":"AAE"}}}"#
        #expect(refusal([try Self.event("messageStart", start), try Self.event("contentBlockDelta", redacted),
                         try Self.event("contentBlockDelta", redacted)] + tail)
            == "block 0: redactedContent split inside a base64 group cannot be joined")
    }

    @Test func describesItsErrors() {
        #expect(StreamFoldError(reason: "the stream has no metadata event").description
            == "cannot convert between ConverseStream events and a Converse body: the stream has no metadata event")
    }
}
