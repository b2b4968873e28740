import Testing
@testable import TapedeckCodec

@Suite struct JSONParserScalarTests {
    private func reject(_ bytes: [UInt8]) -> JSONError? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func reject(_ text: String) -> JSONError? {
        reject(Array(text.utf8))
    }

    @Test func decodesEveryEscape() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\u0000""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé€😀\u{0}"))
    }

    @Test func keepsRawUTF8AndLongRunsAroundEscapes() throws {
        let prose = String(repeating: "Zürich — 東京 — 😀 plain ascii run. ", count: 50)
        let value = try JSONParser.parse("\"" + prose + "\\n" + prose + "\"")
        #expect(value == .string(prose + "\n" + prose))
    }

    @Test(arguments: [#""\x""#, #""\U0041""#, #""\u12""#, #""\u12G4""#, #""\'""#, #""abc"#, #""\"#, "\"a\nb\"", "\"\t\"", "\"\u{1F}\""])
    func rejectsBadEscapesControlsAndUnterminatedStrings(_ text: String) {
        #expect(reject(text) != nil, "accepted \(text.debugDescription)")
    }

    @Test func rejectsLoneAndMispairedSurrogateEscapes() {
        #expect(reject(#""\ud800""#)?.reason == #"lone high surrogate \uD800 not followed by a low surrogate"#)
        #expect(reject(#""\udc00""#)?.reason == #"lone low surrogate \uDC00"#)
        #expect(reject(#""\ud800\u0041""#) != nil)
        #expect(reject(#""\ud800\ud800""#) != nil)
        #expect(reject(#""\ude00\ud83d""#) != nil)
        #expect(reject(#""x\ud83d""#)?.offset == 2)
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xFF], [0xFE], [0x80], [0xBF], [0xE2, 0x82], [0xE2, 0x28, 0xA1], [0xF0, 0x9F, 0x98], [0xC3, 0x22],
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ sequence: [UInt8]) {
        let quote = UInt8(ascii: "\"")
        #expect(reject([quote] + sequence + [quote]) != nil)
        let padded = Array("\"0123456789abcdefghij".utf8) + sequence + Array("0123456789abcdef\"".utf8)
        #expect(reject(padded) != nil)
        #expect(reject([quote] + sequence) != nil)
    }

    @Test func acceptsTheBoundariesOfValidUTF8() throws {
        let edges: [[UInt8]] = [[0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
                                [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF]]
        for edge in edges {
            let value = try JSONParser.parse([0x22] + edge + [0x22])
            #expect(value.stringValue.map { Array($0.utf8) } == edge)
        }
    }

    @Test func rejectsInvalidUTF8OutsideStrings() {
        #expect(reject([0x5B, 0xC3, 0xA9, 0x5D]) != nil)
    }

    @Test(arguments: ["01", "-01", "00", "+1", ".5", "1.", "1.e5", "1e", "1e+", "-", "--1", "0x10", "NaN", "Infinity",
                      "-Infinity", "1_000", "1.5.2", "2e3e4", "- 1"])
    func rejectsNumbersOutsideTheGrammar(_ text: String) {
        #expect(reject(text) != nil, "accepted \(text)")
    }

    @Test(arguments: ["0", "-0", "0.0", "7e-1", "0.70", "1E+2", "-1.5e-300", "1e-400", "0e999999",
                      "1.7976931348623157e308", "123456789012345678901234567890"])
    func keepsValidNumberLiteralsAsWritten(_ text: String) throws {
        #expect(try JSONParser.parse(text) == .number(text))
    }

    @Test(arguments: ["1e400", "-1e400", "1e309", "1.8e308", "[1E99999999999999999999]", "0.1e310"])
    func rejectsNumbersThatOverflowADouble(_ text: String) {
        #expect(reject(text)?.reason.contains("overflows") == true)
    }

    @Test func rejectsHugeIntegersWithoutAnExponent() {
        #expect(reject(String(repeating: "9", count: 400)) != nil)
        #expect(reject(String(repeating: "9", count: 300)) == nil)
    }
}
