import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

@Suite struct RequestDiffSettingsTests {
    typealias F = DiffFixtures
    private let messages = [F.user("What is the weather in Paris?")]

    private func request(_ extra: String) throws -> JSONValue {
        try F.request(messages, extra: extra)
    }

    @Test func inferenceConfigValues() throws {
        let recorded = try request(#""inferenceConfig": {"maxTokens": 512, "temperature": 0.2, "stopSequences": ["END"]}"#)
        let asked = try request(#""inferenceConfig": {"temperature": 0.7, "maxTokens": 1024, "topP": 0.9, "stopSequences": ["STOP"]}"#)
        #expect(F.diff(recorded, asked) == [
            "maxTokens 512 → 1024", "temperature 0.2 → 0.7", "topP added (0.9)", "stopSequences changed",
        ])
        #expect(F.diff(asked, recorded) == [
            "maxTokens 1024 → 512", "temperature 0.7 → 0.2", "topP removed (0.9)", "stopSequences changed",
        ])
    }

    @Test func inferenceConfigNumbersCompareByValue() throws {
        let recorded = try request(#""inferenceConfig": {"maxTokens": 512, "temperature": 0.7}"#)
        let asked = try request(#""inferenceConfig": {"temperature": 0.70, "maxTokens": 5.12e2}"#)
        #expect(F.diff(recorded, asked).isEmpty)
    }

    @Test func inferenceConfigAddedAsAWhole() throws {
        let recorded = try F.request(messages)
        let asked = try request(#""inferenceConfig": {"maxTokens": 100, "stopSequences": ["x"]}"#)
        #expect(F.diff(recorded, asked) == ["maxTokens added (100)", "stopSequences added"])
    }

    @Test func anEmptySystemListIsNoSystemPrompt() throws {
        let absent = try F.request(messages)
        let empty = try request(#""system": []"#)
        let brief = try request(#""system": [{"text": "Be brief."}]"#)
        #expect(F.diff(empty, brief) == ["system prompt added"])
        #expect(F.diff(brief, empty) == ["system prompt removed"])
        // The only difference between the two keys: said as it is, not as a prompt added or removed.
        #expect(F.diff(absent, empty) == ["system absent → [] (no system prompt either way)"])
        #expect(F.diff(empty, absent) == ["system [] → absent (no system prompt either way)"])
        #expect(F.diff(empty, try request(#""system":[ ]"#)).isEmpty)
        #expect(RequestDiff.similarity(absent, empty) == 1)
        #expect(RequestDiff.similarity(empty, brief) == RequestDiff.similarity(absent, brief))
    }

    private static let weather = #"""
    {"toolSpec": {"name": "get_weather", "description": "Weather for a city",
      "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}
    """#
    private static let lookup = #"""
    {"toolSpec": {"name": "lookup", "description": "Look a word up", "inputSchema": {"json": {"type": "object"}}}}
    """#

    private func tools(_ tools: [String], choice: String = #"{"auto": {}}"#) throws -> JSONValue {
        try request(#""toolConfig": {"tools": [\#(tools.joined(separator: ", "))], "toolChoice": \#(choice)}"#)
    }

    @Test func toolsAddedRemovedAndChanged() throws {
        let both = try tools([Self.weather, Self.lookup])
        #expect(F.diff(try tools([Self.lookup]), both) == ["tool get_weather added"])
        #expect(F.diff(both, try tools([Self.weather])) == ["tool lookup removed"])
        let described = Self.weather.replacingOccurrences("Weather for a city", "Current weather for a city")
        #expect(F.diff(both, try tools([described, Self.lookup])) == ["tool get_weather description changed"])
        let schema = Self.weather.replacingOccurrences(#""type": "string""#, #""type": "number""#)
        #expect(F.diff(both, try tools([schema, Self.lookup])) == ["tool get_weather input schema changed"])
        #expect(F.diff(both, try tools([Self.lookup, Self.weather])) == ["tool order changed"])
        #expect(F.diff(both, try tools([Self.weather, Self.lookup], choice: #"{"any": {}}"#)) == ["toolChoice changed"])
    }

    @Test func additionalModelRequestFieldsNameTheFirstDifferingPath() throws {
        let recorded = try request(#""additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 1024}}"#)
        let asked = try request(#""additionalModelRequestFields": {"thinking": {"budget_tokens": 2048, "type": "enabled"}}"#)
        #expect(F.diff(recorded, asked) == ["additionalModelRequestFields changed (thinking.budget_tokens 1024 → 2048)"])
        let withTopK = try request(#""additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 1024}, "top_k": 5}"#)
        #expect(F.diff(recorded, withTopK) == ["additionalModelRequestFields changed (top_k added)"])
        let none = try F.request(messages)
        #expect(F.diff(none, recorded) == ["additionalModelRequestFields added"])
        #expect(F.diff(recorded, none) == ["additionalModelRequestFields removed"])
    }

    @Test func otherTopLevelFields() throws {
        let recorded = try request(#""guardrailConfig": {"guardrailIdentifier": "g1", "guardrailVersion": "1"}, "fallbacks": ["openai/gpt-4o"]"#)
        let asked = try request(#""guardrailConfig": {"guardrailIdentifier": "g2", "guardrailVersion": "1"}, "serviceTier": {"type": "priority"}"#)
        #expect(F.diff(recorded, asked) == ["fallbacks removed", "guardrailConfig changed", "serviceTier added"])
    }

    @Test func similarityScoresEquivalentRequestsAsOne() throws {
        let boto3 = try F.parse(ConverseFixtures.boto3Request)
        let reordered = try F.parse(ConverseFixtures.reorderedRequest)
        #expect(RequestDiff.similarity(boto3, reordered) == 1)
        #expect(RequestDiff.similarity(.object([]), .object([])) == 1)
    }

    @Test func similarityRewardsASharedConversationMost() throws {
        let asked = try F.request([F.user("Hello"), F.assistant("Hi"), F.user("Weather in Paris?")])
        let samePrefix = try F.request([F.user("Hello"), F.assistant("Hi"), F.user("Weather in Lyon?")])
        let otherStart = try F.request([F.user("Bonjour"), F.assistant("Hi"), F.user("Weather in Paris?")])
        let withSystem = try F.request(
            [F.user("Hello"), F.assistant("Hi"), F.user("Weather in Paris?")], extra: #""system": [{"text": "x"}]"#
        )
        let near = RequestDiff.similarity(samePrefix, asked)
        let far = RequestDiff.similarity(otherStart, asked)
        #expect(near > far)
        #expect(near == RequestDiff.similarity(asked, samePrefix))
        #expect(abs(RequestDiff.similarity(withSystem, asked) - (1 - RequestDiff.systemWeight)) < 1e-9)
        #expect((0...1).contains(far))
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
