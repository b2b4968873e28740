import Testing
@testable import TapedeckCodec

@Suite struct JSONErrorTests {
    @Test func describesParseErrorsByByteOffset() {
        let error = JSONError(offset: 17, reason: "expected ':' after object key")
        #expect(error.description == "invalid JSON at byte 17: expected ':' after object key")
        #expect(!error.isEncodingError)
    }

    @Test func describesEncodingErrorsWithoutAnOffset() {
        let error = JSONError.encoding("number NaN is not finite")
        #expect(error.offset == JSONError.notInInput)
        #expect(error.isEncodingError)
        #expect(error.description == "cannot encode JSON: number NaN is not finite")
    }

    @Test func reportsTheOffendingByteOfRealMistakes() throws {
        let cases: [(String, Int, String)] = [
            ("[1,2", 4, "unexpected end of input, expected ',' or ']'"),
            (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' after object member, found '\"'"),
            ("[01]", 2, "leading zero in number"),
            ("[1.]", 3, "expected a digit after '.' in number"),
            ("\"a\u{1}\"", 2, "unescaped control character U+0001 in string"),
            (#"{"k":1} x"#, 8, "unexpected 'x' after the JSON value"),
            ("[+1]", 1, "unexpected '+', expected a value"),
        ]
        for (text, offset, reason) in cases {
            do {
                _ = try JSONParser.parse(Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.offset == offset, "\(text)")
                #expect(error.reason == reason, "\(text)")
            }
        }
    }
}
