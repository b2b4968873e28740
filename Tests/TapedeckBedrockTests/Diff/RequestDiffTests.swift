import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// Builds request bodies from a few parts so each test shows only what it changes.
enum DiffFixtures {
    static func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    static func user(_ text: String) -> String {
        #"{"role": "user", "content": [{"text": \#(quoted(text))}]}"#
    }

    static func assistant(_ text: String) -> String {
        #"{"role": "assistant", "content": [{"text": \#(quoted(text))}]}"#
    }

    static func request(_ messages: [String], extra: String = "") throws -> JSONValue {
        try parse(#"{"messages": [\#(messages.joined(separator: ", "))]\#(extra.isEmpty ? "" : ", " + extra)}"#)
    }

    static func quoted(_ text: String) -> String {
        String(decoding: JSONWriter.compact(.string(text)), as: UTF8.self)
    }

    static func diff(_ recorded: JSONValue, _ asked: JSONValue, limit: Int = 50) -> [String] {
        RequestDiff.differences(from: recorded, to: asked, limit: limit)
    }
}

@Suite struct RequestDiffTests {
    typealias F = DiffFixtures

    @Test func identicalRequestsHaveNoDifferences() throws {
        let request = try F.parse(ConverseFixtures.boto3Request)
        #expect(F.diff(request, request).isEmpty)
    }

    @Test func memberOrderNumberSpellingAndRequestMetadataDoNotCount() throws {
        let boto3 = try F.parse(ConverseFixtures.boto3Request)
        let reordered = try F.parse(ConverseFixtures.reorderedRequest)
        #expect(F.diff(boto3, reordered).isEmpty)
        #expect(F.diff(reordered, boto3).isEmpty)
        let plain = try F.request([F.user("hi")])
        let tagged = try F.request([F.user("hi")], extra: #""requestMetadata": {"run": "7"}"#)
        #expect(F.diff(plain, tagged).isEmpty)
    }

    @Test func messageCountAndAddedMessages() throws {
        let two = try F.request([F.user("Hello"), F.assistant("Hi!")])
        let three = try F.request([F.user("Hello"), F.assistant("Hi!"), F.user("Weather?")])
        #expect(F.diff(two, three) == ["2 messages recorded, 3 asked", "message 3 added"])
        #expect(F.diff(three, two) == ["3 messages recorded, 2 asked", "message 3 removed"])
        let one = try F.request([F.user("Hello")])
        #expect(F.diff(one, two) == ["1 message recorded, 2 asked", "message 2 added"])
    }

    @Test func messageRole() throws {
        let recorded = try F.request([F.user("a"), F.user("b")])
        let asked = try F.request([F.user("a"), #"{"role": "assistant", "content": [{"text": "b"}]}"#])
        #expect(F.diff(recorded, asked) == ["message 2 role user → assistant"])
    }

    @Test func messageTextDiffersAtCharacterWithCutSnippets() throws {
        let start = String(repeating: "The weather report. ", count: 6)  // 120 characters
        let recorded = try F.request([F.user("a"), F.assistant("b"), F.user(start + "Tomorrow: rain over the hills all day.")])
        let asked = try F.request([F.user("a"), F.assistant("b"), F.user(start + "Tomorrow: sun over the hills all day.")])
        #expect(F.diff(recorded, asked) == [
            #"message 3 text differs at character 131: "…morrow: rain over th…" → "…morrow: sun over the…""#,
        ])
    }

    @Test func textSnippetsAreUncutNearTheEdgesAndEscapeQuotes() throws {
        let recorded = try F.request([F.user(#"Say "hi""#)])
        let asked = try F.request([F.user(#"Say "ho""#)])
        #expect(F.diff(recorded, asked) == [#"message 1 text differs at character 7: "Say \"hi\"" → "Say \"ho\"""#])
        let longer = try F.request([F.user("Say hi\nplease")])
        let shorter = try F.request([F.user("Say hi")])
        #expect(F.diff(longer, shorter) == [#"message 1 text differs at character 7: "Say hi\nplease" → "Say hi""#])
    }

    @Test func textInMessageWithSeveralBlocksNamesTheBlock() throws {
        let recorded = try F.parse(#"{"messages": [{"role": "user", "content": [{"text": "one"}, {"text": "two"}]}]}"#)
        let asked = try F.parse(#"{"messages": [{"role": "user", "content": [{"text": "one"}, {"text": "twice"}]}]}"#)
        #expect(F.diff(recorded, asked) == [#"message 1 content block 2 text differs at character 3: "two" → "twice""#])
    }

    @Test func imageBlocks() throws {
        func request(_ format: String, _ bytes: String) throws -> JSONValue {
            try F.parse(#"""
            {"messages": [{"role": "user", "content": [{"text": "What is this?"},
              {"image": {"format": "\#(format)", "source": {"bytes": "\#(bytes)"}}}]}]}
            """#)
        }
        #expect(F.diff(try request("png", "AAAA"), try request("png", "BBBB"))
            == ["message 1 content block 2 changed (image bytes differ)"])
        #expect(F.diff(try request("png", "AAAA"), try request("jpeg", "AAAA"))
            == ["message 1 content block 2 changed (image format png → jpeg)"])
    }

    @Test func blockKindChangedAndBlocksAdded() throws {
        let recorded = try F.parse(#"{"messages": [{"role": "user", "content": [{"text": "x"}]}]}"#)
        let asked = try F.parse(#"{"messages": [{"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": "AA=="}}}, {"text": "x"}]}]}"#)
        #expect(F.diff(recorded, asked) == ["message 1 content block 1 changed (text → image)", "message 1 content block 2 added"])
    }

    @Test func toolCallsAndToolResults() throws {
        func request(city: String, id: String, result: String) throws -> JSONValue {
            try F.parse(#"""
            {"messages": [
              {"role": "user", "content": [{"text": "Weather in Paris?"}]},
              {"role": "assistant", "content": [{"toolUse": {"toolUseId": "\#(id)", "name": "get_weather", "input": {"city": "\#(city)"}}}]},
              {"role": "user", "content": [{"toolResult": {"toolUseId": "\#(id)", "content": [{"json": {"sky": "\#(result)"}}]}}]}]}
            """#)
        }
        let base = try request(city: "Paris", id: "tooluse_abc", result: "clear")
        #expect(F.diff(base, try request(city: "Lyon", id: "tooluse_abc", result: "clear"))
            == ["message 2 tool call get_weather input changed"])
        #expect(F.diff(base, try request(city: "Paris", id: "tooluse_abc", result: "rain"))
            == ["message 3 tool result for tooluse_abc changed"])
        #expect(F.diff(base, try request(city: "Paris", id: "tooluse_xyz", result: "clear")) == [
            "message 2 tool call get_weather id tooluse_abc → tooluse_xyz",
            "message 3 tool result for tooluse_abc → tooluse_xyz",
        ])
    }

    @Test func systemPrompt() throws {
        let messages = [F.user("hi")]
        let none = try F.request(messages)
        let terse = try F.request(messages, extra: #""system": [{"text": "You are terse. Answer in one line."}]"#)
        let chatty = try F.request(messages, extra: #""system": [{"text": "You are chatty. Answer in one line."}]"#)
        let guarded = try F.request(messages, extra: #""system": [{"guardContent": {"text": {"text": "x"}}}]"#)
        #expect(F.diff(none, terse) == ["system prompt added"])
        #expect(F.diff(terse, none) == ["system prompt removed"])
        #expect(F.diff(terse, guarded) == ["system prompt changed"])
        #expect(F.diff(terse, chatty) == [#"system prompt differs at character 9: "You are terse. Answe…" → "You are chatty. Answ…""#])
    }

    @Test func limitCutsTheListAndCountsTheRest() throws {
        let recorded = try F.request([F.user("a")], extra: #""inferenceConfig": {"maxTokens": 1, "temperature": 0.1, "topP": 0.1}"#)
        let asked = try F.request(
            [F.user("b"), F.user("c")],
            extra: #""inferenceConfig": {"maxTokens": 2, "temperature": 0.2, "topP": 0.2}, "serviceTier": {"type": "flex"}"#
        )
        let all = F.diff(recorded, asked)
        #expect(all == [
            "1 message recorded, 2 asked", #"message 1 text differs at character 1: "a" → "b""#, "message 2 added",
            "maxTokens 1 → 2", "temperature 0.1 → 0.2", "topP 0.1 → 0.2", "serviceTier added",
        ])
        #expect(RequestDiff.differences(from: recorded, to: asked) == Array(all.prefix(5)) + ["and 2 more differences"])
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: 6) == Array(all.prefix(6)) + ["and 1 more difference"])
        #expect(RequestDiff.differences(from: recorded, to: asked, limit: 7) == all)
    }

    @Test func nonObjectBodies() throws {
        #expect(F.diff(.array([]), .object([])) == ["request body changed"])
        #expect(F.diff(.null, .null).isEmpty)
    }
}
