/// Strings (escapes, UTF-8 validation) and numbers: the byte-level leaves of `JSONParser`.
extension JSONParser {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// Reads a string body; `pos` starts just past the opening quote and ends just past the closing one.
    mutating func parseString() throws(JSONError) -> String {
        let start = pos
        try scanPlainRun()
        if byte(pos) == Self.quote {
            try checkStringLength(pos - start, at: start)
            let text = String(decoding: UnsafeRawBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
            pos += 1
            return text
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(pos - start + 64)
        decoded.append(contentsOf: UnsafeRawBufferPointer(start: base + start, count: pos - start))
        while byte(pos) != Self.quote {
            try decodeEscape(into: &decoded)
            let runStart = pos
            try scanPlainRun()
            decoded.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: pos - runStart))
            try checkStringLength(decoded.count, at: start)
        }
        pos += 1
        return String(decoding: decoded, as: UTF8.self)
    }

    private func checkStringLength(_ count: Int, at start: Int) throws(JSONError) {
        guard count <= limits.maxStringBytes else {
            throw fail("string longer than the limit of \(limits.maxStringBytes) bytes", at: start)
        }
    }

    /// Advances over bytes that need no decoding; stops on `"` or `\`, throws on anything invalid.
    private mutating func scanPlainRun() throws(JSONError) {
        while true {
            while pos &+ 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
                if Self.needsAttention(word) { break }
                pos &+= 8
            }
            guard pos < end else { throw fail("unterminated string") }
            let lead = byte(pos)
            if lead == Self.quote || lead == Self.backslash { return }
            if lead < 0x20 {
                // RFC 8259 §7: control characters U+0000..U+001F must be escaped inside strings.
                throw fail("unescaped control character U+00\(HexDigits.upper(lead)) in string")
            }
            if lead < 0x80 {
                pos += 1
            } else {
                try skipUTF8Sequence(lead: lead)
            }
        }
    }

    /// Whether any of the eight bytes is `"`, `\`, below 0x20 or non-ASCII (SWAR; exact as a yes/no answer).
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highs != 0
    }

    /// Validates one multi-byte UTF-8 sequence starting at `pos` and steps over it.
    private mutating func skipUTF8Sequence(lead: UInt8) throws(JSONError) {
        // RFC 3629 §4: the well-formed sequences; the narrowed second-byte ranges exclude overlong forms,
        // UTF-16 surrogates (ED A0..BF) and code points above U+10FFFF (F4 90.. and F5..FF).
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail("invalid UTF-8 lead byte 0x\(HexDigits.upper(lead))")
        }
        guard pos + length <= end else { throw fail("truncated UTF-8 sequence") }
        let second = byte(pos + 1)
        guard second >= low && second <= high else {
            throw fail("invalid UTF-8 sequence 0x\(HexDigits.upper(lead)) 0x\(HexDigits.upper(second))")
        }
        for index in 2..<length where byte(pos + index) & 0xC0 != 0x80 {
            throw fail("invalid UTF-8 continuation byte 0x\(HexDigits.upper(byte(pos + index)))", at: pos + index)
        }
        pos += length
    }

    /// Decodes the escape at `pos` (a backslash) and appends its UTF-8.
    private mutating func decodeEscape(into decoded: inout [UInt8]) throws(JSONError) {
        guard pos + 1 < end else { throw fail("unterminated escape sequence") }
        let letter = byte(pos + 1)
        let simple: UInt8
        // RFC 8259 §7: the complete set of escapes.
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = letter
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            try decodeUnicodeEscape(into: &decoded)
            return
        default:
            throw fail("invalid escape sequence '\\\(Self.describe(letter))'")
        }
        decoded.append(simple)
        pos += 2
    }

    private mutating func decodeUnicodeEscape(into decoded: inout [UInt8]) throws(JSONError) {
        let escapeStart = pos
        let unit = try readHex4(at: pos + 2)
        pos += 6
        var scalar = unit
        if (0xD800...0xDBFF).contains(unit) {
            // RFC 8785 §3.2.2 and RFC 7493 §2.1: strings must be Unicode, so a high surrogate needs a low one.
            guard pos + 1 < end, byte(pos) == Self.backslash, byte(pos + 1) == UInt8(ascii: "u") else {
                throw fail("lone high surrogate \\u\(HexDigits.upper16(unit)) not followed by a low surrogate", at: escapeStart)
            }
            let second = try readHex4(at: pos + 2)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw fail("high surrogate \\u\(HexDigits.upper16(unit)) followed by \\u\(HexDigits.upper16(second))", at: escapeStart)
            }
            scalar = 0x10000 + ((unit - 0xD800) << 10) + (second - 0xDC00)
            pos += 6
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw fail("lone low surrogate \\u\(HexDigits.upper16(unit))", at: escapeStart)
        }
        Self.appendUTF8(scalar, to: &decoded)
    }

    /// RFC 3629 §3: encodes a scalar value (never a surrogate, at most U+10FFFF) as UTF-8.
    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            out.append(UInt8(scalar))
        case ..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    private func readHex4(at offset: Int) throws(JSONError) -> UInt32 {
        guard offset + 4 <= end else { throw fail("truncated \\u escape", at: offset) }
        var unit: UInt32 = 0
        for index in offset..<offset + 4 {
            guard let digit = HexDigits.value(of: byte(index)) else {
                throw fail("expected four hex digits after \\u, found \(Self.describe(byte(index)))", at: index)
            }
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    /// Whether `literal` is exactly one RFC 8259 number that fits a double.
    static func isNumberLiteral(_ literal: String) -> Bool {
        var literal = literal
        return literal.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, !utf8.isEmpty else { return false }
            var parser = JSONParser(base: UnsafeRawPointer(base), count: utf8.count, limits: .default)
            do {
                _ = try parser.parseNumber()
            } catch {
                return false
            }
            return parser.pos == utf8.count
        }
    }

    /// Reads a number and returns its literal; `pos` starts on `-` or a digit.
    mutating func parseNumber() throws(JSONError) -> String {
        let start = pos
        if byte(pos) == UInt8(ascii: "-") { pos += 1 }
        let integerStart = pos
        // RFC 8259 §6: int = zero / ( digit1-9 *DIGIT ); no leading zeros, no '+', no bare '.'.
        guard pos < end, Self.isDigit(byte(pos)) else { throw fail("expected a digit in number") }
        if byte(pos) == UInt8(ascii: "0") {
            pos += 1
            if pos < end, Self.isDigit(byte(pos)) { throw fail("leading zero in number") }
        } else {
            skipDigits()
        }
        let integerDigits = pos - integerStart
        if pos < end, byte(pos) == UInt8(ascii: ".") {
            pos += 1
            guard pos < end, Self.isDigit(byte(pos)) else { throw fail("expected a digit after '.' in number") }
            skipDigits()
        }
        var hasExponent = false
        if pos < end, byte(pos) | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            pos += 1
            if pos < end, byte(pos) == UInt8(ascii: "+") || byte(pos) == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, Self.isDigit(byte(pos)) else { throw fail("expected a digit in number exponent") }
            skipDigits()
        }
        let literal = String(decoding: UnsafeRawBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        // RFC 7493 §2.2 (I-JSON): numbers must fit an IEEE 754 double; only an exponent or
        // more than 308 integer digits can overflow one.
        if hasExponent || integerDigits > 308 {
            guard let double = Double(literal), double.isFinite else {
                throw fail("number \(literal.prefix(40)) overflows an IEEE 754 double", at: start)
            }
        }
        return literal
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    private mutating func skipDigits() {
        while pos < end, Self.isDigit(byte(pos)) { pos += 1 }
    }
}
