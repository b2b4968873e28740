import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

@Suite struct JSONEquivalenceTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func agreesWithCanonicalBytes() throws {
        let pairs = [
            (#"{"a": 1, "b": [0.7, "x"]}"#, #"{"b": [7e-1, "x"], "a": 1.0}"#, true),
            ("-0", "0", true),
            ("12345678901234567890", "1.234567890123456789e19", true),
            (#"{"a": 1}"#, #"{"a": 1, "b": null}"#, false),
            (#"["é"]"#, #"["e\u0301"]"#, false),
            ("[1, 2]", "[2, 1]", false),
            ("true", "1", false),
        ]
        for (left, right, expected) in pairs {
            let a = try parse(left)
            let b = try parse(right)
            #expect(JSONEquivalence.equal(a, b) == expected, "\(left) vs \(right)")
            #expect((try JSONWriter.canonical(a) == JSONWriter.canonical(b)) == expected, "\(left) vs \(right)")
        }
    }

    @Test func fixturesAreEquivalent() throws {
        let boto3 = try parse(ConverseFixtures.boto3Request).removing(path: "requestMetadata")
        let reordered = try parse(ConverseFixtures.reorderedRequest).removing(path: "requestMetadata")
        #expect(JSONEquivalence.equal(boto3, reordered))
    }

    @Test func nonFiniteNumbersCompareByLiteral() {
        #expect(JSONEquivalence.numbersEqual("1e400", "1e400"))
        #expect(!JSONEquivalence.numbersEqual("1e400", "2e400"))
    }

    @Test func absentValues() {
        #expect(JSONEquivalence.equal(nil as JSONValue?, nil))
        #expect(!JSONEquivalence.equal(JSONValue.null as JSONValue?, nil))
    }

    @Test func memberNamesAreSortedAndUnique() {
        let names = JSONEquivalence.memberNames(
            [JSONMember("b", .null), JSONMember("a", .null)],
            [JSONMember("c", .null), JSONMember("a", .null)]
        )
        #expect(names == ["a", "b", "c"])
    }

    @Test func scalarTextQuotesAndCutsStrings() {
        #expect(JSONEquivalence.scalarText(.string(#"say "x""#)) == #""say \"x\"""#)
        #expect(JSONEquivalence.scalarText(.string(String(repeating: "a", count: 50)), maxCharacters: 3) == #""aaa…""#)
        #expect(JSONEquivalence.scalarText(.number("0.70")) == "0.70")
        #expect(JSONEquivalence.scalarText(.array([])) == nil)
    }
}
