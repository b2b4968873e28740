import Foundation
import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct JSONWriterTests {
    private func text(_ bytes: [UInt8]) -> String {
        ConverseFixtures.string(bytes)
    }

    /// The value with every object's members sorted the way `pretty` sorts them.
    private func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): .array(elements.map(sortedKeys))
        case .object(let members):
            .object(JSONWriter.sortedByUTF16(members).map { JSONMember($0.key, sortedKeys($0.value)) })
        default: value
        }
    }

    @Test func compactKeepsSourceOrderAndLiterals() throws {
        let value = try ConverseFixtures.parse(#" { "z" : [ 0.70 , 7e-1, -0 ] , "a" : { } , "m" : [ ] } "#)
        #expect(text(JSONWriter.compact(value)) == #"{"z":[0.70,7e-1,-0],"a":{},"m":[]}"#)
    }

    @Test func compactEscapesMinimally() {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let value = JSONValue.string(controls + "\"\\/\u{7F}é😀")
        let expected = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
            + "\\\"\\\\/\u{7F}é😀\""
        #expect(text(JSONWriter.compact(value)) == expected)
    }

    @Test func prettyIsSortedIndentedAndEndsWithNewline() throws {
        let value = try ConverseFixtures.parse(#"{"b":{"y":[1,{"k":null}],"x":"/"},"a":[],"c":{},"é":true}"#)
        let expected = """
        {
          "a": [],
          "b": {
            "x": "/",
            "y": [
              1,
              {
                "k": null
              }
            ]
          },
          "c": {},
          "é": true
        }

        """
        #expect(text(JSONWriter.pretty(value)) == expected)
        #expect(text(JSONWriter.pretty(.number("0.70"))) == "0.70\n")
    }

    @Test func compactAndPrettyRoundTrip() throws {
        for document in [ConverseFixtures.boto3Request, ConverseFixtures.reorderedRequest] {
            let value = try ConverseFixtures.parse(document)
            #expect(try JSONParser.parse(JSONWriter.compact(value)) == value)
            // pretty sorts keys, so it round-trips to the same value with members in sorted order.
            let sorted = sortedKeys(value)
            #expect(try JSONParser.parse(JSONWriter.pretty(value)) == sorted)
            #expect(try JSONParser.parse(JSONWriter.pretty(sorted)) == sorted)
        }
    }

    @Test func appendsIntoAnExistingBuffer() {
        var out = Array("prefix:".utf8)
        JSONWriter.compact(.array([.null, .bool(true)]), into: &out)
        #expect(text(out) == "prefix:[null,true]")
    }

    @Test func foundationReadsWhatWeWrite() throws {
        let value = try ConverseFixtures.parse(ConverseFixtures.boto3Request)
        let original = try ConverseFixtures.foundation(Array(ConverseFixtures.boto3Request.utf8))
        #expect(try ConverseFixtures.foundation(JSONWriter.compact(value)).isEqual(original))
        #expect(try ConverseFixtures.foundation(JSONWriter.pretty(value)).isEqual(original))
    }
}
