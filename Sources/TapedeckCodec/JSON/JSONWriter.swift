/// Encodes `JSONValue`s as bytes: compact (source order), canonical (RFC 8785) and pretty (sorted, indented).
public enum JSONWriter {
    /// Source member order, no whitespace, number literals as stored (trusted: the parser validated them),
    /// minimal string escapes.
    public static func compact(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        compact(value, into: &out)
        return out
    }

    /// Appends the compact encoding of `value` to `out`.
    public static func compact(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .string(let text): appendString(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                compact(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                compact(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// For cassette files under git: keys sorted by UTF-16 code units, two-space indent, numbers as stored,
    /// empty containers as `[]` / `{}`, and a trailing newline.
    public static func pretty(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        pretty(value, into: &out)
        return out
    }

    /// Appends the pretty encoding of `value`, with its trailing newline, to `out`.
    public static func pretty(_ value: JSONValue, into out: inout [UInt8]) {
        writePretty(value, indent: 0, into: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends the pretty encoding of `value` as it appears nested `indent` spaces deep inside a larger document
    /// (the caller writes the indent before it), without a trailing newline.
    public static func pretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        writePretty(value, indent: indent, into: &out)
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        switch value {
        case .null, .bool, .number, .string:
            compact(value, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else { return out.append(contentsOf: "[]".utf8) }
            out.append(contentsOf: "[\n".utf8)
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(contentsOf: ",\n".utf8) }
                appendIndent(indent + 2, to: &out)
                writePretty(element, indent: indent + 2, into: &out)
            }
            out.append(UInt8(ascii: "\n"))
            appendIndent(indent, to: &out)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { return out.append(contentsOf: "{}".utf8) }
            out.append(contentsOf: "{\n".utf8)
            for (index, member) in sortedByUTF16(members).enumerated() {
                if index > 0 { out.append(contentsOf: ",\n".utf8) }
                appendIndent(indent + 2, to: &out)
                appendString(member.key, to: &out)
                out.append(contentsOf: ": ".utf8)
                writePretty(member.value, indent: indent + 2, into: &out)
            }
            out.append(UInt8(ascii: "\n"))
            appendIndent(indent, to: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func appendIndent(_ count: Int, to out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
    }

    /// Appends `text` as a JSON string with the minimal escapes of RFC 8785 §3.2.2.2: `\"`, `\\`,
    /// the five short forms, `\u00xx` (lowercase) for other controls; `/` and non-ASCII stay raw.
    package static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendString(utf8: $0, to: &out) }
    }

    /// Whether `appendString` writes `byte` escaped: a control character, `"` or `\`.
    @inline(__always)
    package static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// `appendString` for UTF-8 bytes already at hand (a `Substring`'s, a log line's), with no `String` made.
    package static func appendString(utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard needsEscape(byte) else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            runStart = index + 1
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            default:
                out.append(contentsOf: "u00".utf8)
                out.append(HexDigits.lowerASCII[Int(byte >> 4)])
                out.append(HexDigits.lowerASCII[Int(byte & 0x0F)])
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        out.append(UInt8(ascii: "\""))
    }
}
