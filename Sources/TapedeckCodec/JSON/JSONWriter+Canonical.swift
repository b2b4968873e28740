/// RFC 8785 (JSON Canonicalization Scheme) output, and the UTF-16 key order it shares with `pretty`.
extension JSONWriter {
    /// RFC 8785 canonical bytes: keys sorted by UTF-16 code units at every level, no whitespace,
    /// minimal string escapes, numbers re-serialized as ECMAScript would print the IEEE 754 double.
    /// Throws for a number that is not finite or not a valid literal, and for duplicate keys.
    public static func canonical(_ value: JSONValue) throws(JSONError) -> [UInt8] {
        var out: [UInt8] = []
        try canonical(value, into: &out)
        return out
    }

    /// Appends the RFC 8785 canonical encoding of `value` to `out`.
    public static func canonical(_ value: JSONValue, into out: inout [UInt8]) throws(JSONError) {
        switch value {
        case .null, .bool, .string:
            compact(value, into: &out)
        case .number(let literal):
            // RFC 8785 §3.2.2.3: numbers are serialized from their IEEE 754 double value, not their literal.
            guard JSONParser.isNumberLiteral(literal), let double = Double(literal) else {
                throw JSONError.encoding("number literal \(literal.prefix(40)) is not valid")
            }
            guard let text = CanonicalNumber.format(double) else {
                throw JSONError.encoding("number \(literal.prefix(40)) is not finite (RFC 8785 §3.2.2.3)")
            }
            out.append(contentsOf: text.utf8)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try canonical(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = sortedByUTF16(members)
            for (index, member) in sorted.enumerated() {
                if index > 0 {
                    // RFC 8785 §3.1: input must be I-JSON, whose member names are unique.
                    guard !ExactKey.equal(sorted[index - 1].key, member.key) else {
                        throw JSONError.encoding("duplicate object key \"\(member.key.prefix(64))\"")
                    }
                    out.append(UInt8(ascii: ","))
                }
                appendString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                try canonical(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names.
    package static func sortedByUTF16(_ members: [JSONMember]) -> [JSONMember] {
        members.sorted { utf16Precedes($0.key, $1.key) }
    }

    /// Whether `lhs` sorts before `rhs` by UTF-16 code units, computed on UTF-8 bytes.
    ///
    /// UTF-8 byte order is code point order. UTF-16 order differs only in placing supplementary
    /// characters (surrogates D800–DFFF) before U+E000–U+FFFF, so lead bytes F0–F4 are ranked
    /// just below EE–EF. Continuation bytes (below C0) and all other leads keep their rank.
    package static func utf16Precedes(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                for (a, b) in zip(left, right) where a != b {
                    return utf16Rank(a) < utf16Rank(b)
                }
                return left.count < right.count
            }
        }
    }

    @inline(__always)
    private static func utf16Rank(_ byte: UInt8) -> UInt8 {
        switch byte {
        case 0xF0...: byte - 2       // F0..F4 -> EE..F2: supplementary planes, as surrogates
        case 0xEE...0xEF: byte + 5   // EE..EF -> F3..F4: U+E000..U+FFFF
        default: byte
        }
    }
}
