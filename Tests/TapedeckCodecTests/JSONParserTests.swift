import Foundation
import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct JSONParserTests {
    private func parse(_ text: String, limits: JSONLimits = .default) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), limits: limits)
    }

    private func error(_ text: String, limits: JSONLimits = .default) -> JSONError? {
        do {
            _ = try JSONParser.parse(Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryKindOfValueKeepingMemberOrder() throws {
        let value = try parse(#" {"b": [1, -2.5e3, true, false, null], "a": {"x": "y"}, "c": []} "#)
        #expect(value == .object([
            JSONMember("b", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null])),
            JSONMember("a", .object([JSONMember("x", .string("y"))])),
            JSONMember("c", .array([])),
        ]))
    }

    @Test func acceptsScalarDocumentsAndAllFourWhitespaceBytes() throws {
        #expect(try parse("\t\r\n 42 \n") == .number("42"))
        #expect(try parse(#""x""#) == .string("x"))
        #expect(try parse("null") == .null)
        #expect(try parse("{ }") == .object([]))
        #expect(try parse("[\n]") == .array([]))
    }

    @Test func describesErrorsWithByteOffsetAndExpectation() {
        let failure = error(#"{"a" 1}"#)
        #expect(failure?.offset == 5)
        #expect(failure?.description == "invalid JSON at byte 5: expected ':' after object key")
    }

    @Test(arguments: [
        "", " ", "1 2", "{} x", "[1 2]", "[1,]", "[,1]", #"{"a":1,}"#, "{1:2}", #"{"a"}"#, #"{"a":}"#,
        "[", "]", "{", "}", "nul", "tru", "falsey", "True", "'a'", "\u{FEFF}{}", "[1]]", #"{"a":1}}"#,
        "/* c */ 1", "[1,\u{00A0}2]",
    ])
    func rejectsMalformedStructure(_ text: String) {
        #expect(error(text) != nil, "accepted \(text.debugDescription)")
    }

    @Test func rejectsDuplicateKeysComparingExactCodePoints() {
        #expect(error(#"{"a":1,"a":2}"#)?.reason == #"duplicate object key "a""#)
        #expect(error(#"{"a":1,"b":{"c":1,"c":2}}"#)?.offset == 18)
        #expect(error(#"{"a":1,  "a":2}"#)?.offset == 9)
        // "\u00e9" and a raw "é" are the same code point: duplicate.
        #expect(error(#"{"\u00e9":1,"é":2}"#) != nil)
        // Precomposed U+00E9 and decomposed "e" + U+0301 are canonically equivalent but different keys.
        #expect(throws: Never.self) { try parse("{\"\u{E9}\":1,\"e\u{301}\":2}") }
    }

    @Test func findsDuplicatesInLargeObjects() throws {
        let members = (0..<200).map { "\"k\($0)\":\($0)" }
        #expect(try parse("{" + members.joined(separator: ",") + "}").objectValue?.count == 200)
        #expect(error("{" + members.joined(separator: ",") + ",\"k17\":0}")?.reason == #"duplicate object key "k17""#)
        #expect(error("{" + members.joined(separator: ",") + ",\"k199\":0}") != nil)
    }

    @Test func limitsNestingDepth() throws {
        let deepest = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(throws: Never.self) { try parse(deepest) }
        let tooDeep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(error(tooDeep)?.reason == "nesting deeper than the limit of 128 levels")
        #expect(error(#"{"a":{"b":[1]}}"#, limits: JSONLimits(maxDepth: 2))?.offset == 10)
    }

    @Test func survivesHostileNestingWithoutRecursion() {
        #expect(error(String(repeating: "[", count: 100_000)) != nil)
        #expect(error(String(repeating: "{\"a\":", count: 100_000)) != nil)
        // The explicit stack parses depths far beyond what recursion on a test thread could.
        let balanced = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        #expect(error(balanced, limits: JSONLimits(maxDepth: 5_000)) == nil)
    }

    @Test func enforcesMemberAndStringLimits() {
        let limits = JSONLimits(maxStringBytes: 4, maxMembers: 3)
        #expect(error("[1,2,3]", limits: limits) == nil)
        #expect(error("[1,2,3,4]", limits: limits) != nil)
        #expect(error(#"{"a":1,"b":2,"c":3,"d":4}"#, limits: limits) != nil)
        #expect(error(#""abcd""#, limits: limits) == nil)
        #expect(error(#""abcde""#, limits: limits) != nil)
        #expect(error(#""ab\ncde""#, limits: limits) != nil)
    }

    /// Request bodies get a tighter bound on object members than on array elements: 10,000 keys in one object
    /// are refused, 100,000 array elements are not, and files Tapedeck wrote itself keep the wide default.
    @Test func requestBodiesBoundObjectMembersApartFromArrays() throws {
        func object(_ count: Int) -> String { "{" + (0..<count).map { "\"k\($0)\":0" }.joined(separator: ",") + "}" }
        #expect(error(object(10_000), limits: .request) == nil)
        let refused = try #require(error(object(10_001), limits: .request))
        #expect("\(refused)".contains("object has more than the limit of 10000 members"), "\(refused)")
        #expect(error(object(100_000), limits: .default) == nil)
        #expect(error("[" + Array(repeating: "0", count: 100_000).joined(separator: ",") + "]", limits: .request) == nil)
        #expect(error("[1,2,3,4]", limits: JSONLimits(maxMembers: 3, maxObjectMembers: 10)) != nil, "never above maxMembers")
    }

    @Test func everyTruncationOfARealRequestThrows() throws {
        let bytes = Array(ConverseFixtures.boto3Request.utf8)
        #expect(throws: Never.self) { try JSONParser.parse(bytes) }
        for length in 0..<bytes.count {
            #expect(throws: JSONError.self) { try JSONParser.parse(Array(bytes[..<length])) }
        }
    }

    @Test func agreesWithFoundationOnRealDocuments() throws {
        let documents = [
            ConverseFixtures.boto3Request,
            ConverseFixtures.reorderedRequest,
            #"{"output":{"message":{"role":"assistant","content":[{"text":"Hi \"there\"\n\t\u0001"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4},"metrics":{"latencyMs":42}}"#,
            #"[0, -0, 1.5, 2e10, 3E-2, 123456789, "\/\\\b\f", "\u0000", "𝄞 \ud834\udd1e"]"#,
        ]
        for document in documents {
            let bytes = Array(document.utf8)
            let ours = try JSONParser.parse(bytes)
            let reencoded = try ConverseFixtures.foundation(JSONWriter.compact(ours))
            #expect(reencoded.isEqual(try ConverseFixtures.foundation(bytes)))
        }
    }

    @Test func parsesFromRawBuffersAndStrings() throws {
        let bytes = Array(#"{"k":[1]}"#.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { try JSONParser.parse($0) }
        #expect(fromBuffer == (try JSONParser.parse(#"{"k":[1]}"#)))
        #expect(throws: JSONError.self) { try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0)) }
    }

    @Test func parsesLargeBase64BodiesIntact() throws {
        let blob = String(repeating: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB+/==", count: 30_000)
        let value = try parse(#"{"image":{"source":{"bytes":""# + blob + #""}}}"#)
        #expect(value["image"]?["source"]?["bytes"]?.stringValue == blob)
    }
}
