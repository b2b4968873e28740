import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock

@Suite struct JSONPathDifferenceTests {
    private func first(_ recorded: String, _ asked: String) throws -> String? {
        JSONPathDifference.first(
            from: try JSONParser.parse(Array(recorded.utf8)),
            to: try JSONParser.parse(Array(asked.utf8))
        )
    }

    @Test func equivalentValuesHaveNoPath() throws {
        #expect(try first(#"{"a": {"b": 1, "c": 2}}"#, #"{"a": {"c": 2.0, "b": 1}}"#) == nil)
    }

    @Test func namesNestedScalars() throws {
        #expect(try first(#"{"thinking": {"budget_tokens": 1024}}"#, #"{"thinking": {"budget_tokens": 2048}}"#)
            == "thinking.budget_tokens 1024 → 2048")
        #expect(try first(#"{"a": {"b": "x"}}"#, #"{"a": {"b": "y"}}"#) == #"a.b "x" → "y""#)
    }

    @Test func addedRemovedAndTypeChanges() throws {
        #expect(try first(#"{"a": {}}"#, #"{"a": {"b": 1}}"#) == "a.b added")
        #expect(try first(#"{"a": {"b": 1}}"#, #"{"a": {}}"#) == "a.b removed")
        #expect(try first(#"{"a": {"b": 1}}"#, #"{"a": {"b": [1]}}"#) == "a.b changed")
    }

    @Test func arraysByIndexAndLength() throws {
        #expect(try first(#"{"stop": ["a", "b"]}"#, #"{"stop": ["a", "c"]}"#) == #"stop[1] "b" → "c""#)
        #expect(try first(#"{"stop": ["a"]}"#, #"{"stop": ["a", "c"]}"#) == "stop 1 item → 2 items")
    }

    @Test func scalarsAtTheRoot() throws {
        #expect(try first("1", "2") == "1 → 2")
        #expect(try first("[]", "{}") == "changed")
    }

    @Test func membersAreVisitedInNameOrder() throws {
        #expect(try first(#"{"z": 1, "a": 1}"#, #"{"a": 2, "z": 2}"#) == "a 1 → 2")
    }
}
