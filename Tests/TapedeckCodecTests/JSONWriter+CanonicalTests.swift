import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct JSONWriterCanonicalTests {
    private func canonical(_ document: String) throws -> String {
        ConverseFixtures.string(try JSONWriter.canonical(ConverseFixtures.parse(document)))
    }

    @Test func matchesTheRFC8785Section322Example() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"#
            + #""string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == expected)
    }

    @Test func matchesTheRFC8785Section323SortingExample() throws {
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
        let expected = #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","#
            + #""ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","#
            + #""דּ":"Hebrew Letter Dalet With Dagesh"}"#
        #expect(try canonical(input) == expected)
    }

    @Test func sortsTheJCSWeirdKeysSample() throws {
        // The "weird" sample of the RFC author's JCS test data, with a "</script>" key.
        let input = #"""
        {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\u000a": "Newline", "1": "One",
         "\u0080": "Control\u007f", "\ud83d\ude02": "Smiley", "\u00f6": "Latin Small Letter O With Diaeresis",
         "\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}
        """#
        let expected = #"{"\n":"Newline","\r":"Carriage Return","1":"One","</script>":"Browser Challenge","#
            + #""\#u{80}":"Control\#u{7F}","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","#
            + #""😂":"Smiley","דּ":"Hebrew Letter Dalet With Dagesh"}"#
        #expect(try canonical(input) == expected)
    }

    @Test func equalNumbersSpelledDifferentlyCanonicalizeAlike() throws {
        #expect(try canonical("[0.7, 0.70, 7e-1, 70E-2]") == "[0.7,0.7,0.7,0.7]")
        #expect(try canonical("[1, 1.0, 1e0, 10e-1, -0, 0.0]") == "[1,1,1,1,0,0]")
    }

    @Test func sortsNestedObjectsAndIsIdempotent() throws {
        let once = try canonical(ConverseFixtures.boto3Request)
        #expect(try canonical(once) == once)
        #expect(try canonical(ConverseFixtures.reorderedRequest.replacingOccurrences(of: "43", with: "42")
            .replacingOccurrences(of: "other", with: "search")) == once)
    }

    @Test func refusesValuesOutsideIJSON() {
        #expect(throws: JSONError.self) { try JSONWriter.canonical(.number("1e400")) }
        #expect(throws: JSONError.self) { try JSONWriter.canonical(.array([.number("NaN")])) }
        #expect(throws: JSONError.self) { try JSONWriter.canonical(.number("0x10")) }
        #expect(throws: JSONError.self) {
            try JSONWriter.canonical(.object([JSONMember("a", .null), JSONMember("a", .null)]))
        }
        do {
            _ = try JSONWriter.canonical(.number("Infinity"))
        } catch {
            #expect(error.isEncodingError)
            #expect(error.description.hasPrefix("cannot encode JSON: "))
        }
    }

    @Test func utf16OrderOnUTF8BytesAgreesWithTheUTF16View() {
        let alphabet: [Unicode.Scalar] = ["a", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}",
                                          "\u{FB33}", "\u{FFFF}", "\u{10000}", "\u{1F600}", "\u{10FFFF}"]
        var generator = ConverseFixtures.SeededGenerator(state: 16)
        func random() -> String {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                text.append(alphabet.randomElement(using: &generator) ?? "a")
            }
            return String(text)
        }
        for _ in 0..<5_000 {
            let (lhs, rhs) = (random(), random())
            #expect(JSONWriter.utf16Precedes(lhs, rhs) == lhs.utf16.lexicographicallyPrecedes(rhs.utf16), "\(lhs) \(rhs)")
        }
    }
}
