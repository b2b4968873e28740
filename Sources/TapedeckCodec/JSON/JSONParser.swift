/// Bounds on what one untrusted document may demand of the parser.
public struct JSONLimits: Sendable, Equatable {
    /// Deepest allowed nesting of arrays and objects; the document `[]` has depth 1. Parsing never recurses,
    /// but releasing or comparing a `JSONValue` does, so keep this in the hundreds, not the hundred thousands.
    public var maxDepth: Int
    /// Longest allowed string (object keys included), counted in decoded UTF-8 bytes.
    public var maxStringBytes: Int
    /// Most elements allowed in one array, and members in one object unless `maxObjectMembers` is lower.
    public var maxMembers: Int
    /// Most members allowed in one object.
    public var maxObjectMembers: Int

    /// Creates limits; the defaults admit any legitimate Converse body (tens of megabytes of base64).
    public init(maxDepth: Int = 128, maxStringBytes: Int = 256 << 20, maxMembers: Int = 1 << 20, maxObjectMembers: Int? = nil) {
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxMembers = maxMembers
        self.maxObjectMembers = min(maxObjectMembers ?? maxMembers, maxMembers)
    }

    /// Depth 128, strings up to 256 MiB, a million members per container (files Tapedeck wrote itself, answers).
    public static let `default` = JSONLimits()

    /// A client's request body: as `default`, but at most 10,000 members in one object. No object in a Converse
    /// request comes near that (its widest are tool schemas and model fields); 100,000 keys is an attack on the
    /// parser and the canonicalizer's sort, refused before either does the work.
    public static let request = JSONLimits(maxObjectMembers: 10_000)
}

/// A strict RFC 8259 parser over raw bytes: an explicit stack instead of recursion, Strings cut from byte ranges.
public struct JSONParser {
    let base: UnsafeRawPointer
    let end: Int
    let limits: JSONLimits
    var pos = 0

    /// An array or object still open, waiting for its next element.
    private struct Frame {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [JSONMember] = []
        var pendingKey = ""
        /// Keys seen so far, built only once an object outgrows a linear scan.
        var keyIndex: Set<ExactKey> = []
    }

    private static let linearScanLimit = 16

    /// A parser positioned at the first of `count` bytes at `base`.
    init(base: UnsafeRawPointer, count: Int, limits: JSONLimits) {
        self.base = base
        self.end = count
        self.limits = limits
    }

    /// Parses exactly one JSON value, optionally surrounded by whitespace, from `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONError(offset: 0, reason: "unexpected end of input, expected a value")
        }
        var parser = JSONParser(base: base, count: bytes.count, limits: limits)
        return try parser.parseDocument()
    }

    /// Parses exactly one JSON value from a byte array.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> JSONValue in try parse(raw, limits: limits) }
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from the UTF-8 of `text`.
    public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(JSONError) -> JSONValue in try parse(UnsafeRawBufferPointer(utf8), limits: limits) }
        }
        return try result.get()
    }

    /// The input byte at `offset` (callers check bounds).
    @inline(__always)
    func byte(_ offset: Int) -> UInt8 {
        base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// An error at the current position, or at `offset`.
    func fail(_ reason: String, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? pos, reason: reason)
    }

    private mutating func parseDocument() throws(JSONError) -> JSONValue {
        var stack: [Frame] = []
        var value: JSONValue
        parsing: while true {
            skipWhitespace()
            guard pos < end else { throw fail("unexpected end of input, expected a value") }
            let lead = byte(pos)
            switch lead {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < limits.maxDepth else {
                    throw fail("nesting deeper than the limit of \(limits.maxDepth) levels")
                }
                let isObject = lead == UInt8(ascii: "{")
                pos += 1
                skipWhitespace()
                if pos < end, byte(pos) == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    pos += 1
                    value = isObject ? .object([]) : .array([])
                } else {
                    var frame = Frame(isObject: isObject)
                    if isObject { frame.pendingKey = try parseMemberName() }
                    stack.append(frame)
                    continue parsing
                }
            case UInt8(ascii: "\""):
                pos += 1
                value = .string(try parseString())
            case UInt8(ascii: "t"): value = try parseLiteral("true", .bool(true))
            case UInt8(ascii: "f"): value = try parseLiteral("false", .bool(false))
            case UInt8(ascii: "n"): value = try parseLiteral("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            default:
                throw fail("unexpected \(Self.describe(lead)), expected a value")
            }

            // Hand the finished value to the open containers, closing every one that ends here.
            while let top = stack.indices.last {
                try append(value, to: &stack[top])
                skipWhitespace()
                guard pos < end else {
                    throw fail("unexpected end of input, expected ',' or '\(stack[top].isObject ? "}" : "]")'")
                }
                let next = byte(pos)
                if next == UInt8(ascii: ",") {
                    pos += 1
                    if stack[top].isObject {
                        skipWhitespace()
                        let keyOffset = pos
                        let key = try parseMemberName()
                        try checkUnique(key, in: &stack[top], at: keyOffset)
                        stack[top].pendingKey = key
                    }
                    continue parsing
                }
                if stack[top].isObject, next == UInt8(ascii: "}") {
                    pos += 1
                    value = .object(stack.removeLast().members)
                } else if !stack[top].isObject, next == UInt8(ascii: "]") {
                    pos += 1
                    value = .array(stack.removeLast().elements)
                } else if stack[top].isObject {
                    throw fail("expected ',' or '}' after object member, found \(Self.describe(next))")
                } else {
                    throw fail("expected ',' or ']' after array element, found \(Self.describe(next))")
                }
            }
            skipWhitespace()
            // RFC 8259 §2: a JSON text is exactly one value with optional surrounding whitespace.
            guard pos == end else { throw fail("unexpected \(Self.describe(byte(pos))) after the JSON value") }
            return value
        }
    }

    private func append(_ value: JSONValue, to frame: inout Frame) throws(JSONError) {
        if frame.isObject {
            guard frame.members.count < limits.maxObjectMembers else {
                throw fail("object has more than the limit of \(limits.maxObjectMembers) members")
            }
        } else {
            guard frame.elements.count < limits.maxMembers else {
                throw fail("array has more than the limit of \(limits.maxMembers) elements")
            }
        }
        if frame.isObject {
            frame.members.append(JSONMember(frame.pendingKey, value))
        } else {
            frame.elements.append(value)
        }
    }

    /// Reads `"name"` and the `:` after it; `pos` ends just past the colon.
    private mutating func parseMemberName() throws(JSONError) -> String {
        skipWhitespace()
        guard pos < end, byte(pos) == UInt8(ascii: "\"") else {
            let found = pos < end ? Self.describe(byte(pos)) : "end of input"
            throw fail("expected '\"' to start an object key, found \(found)")
        }
        pos += 1
        let key = try parseString()
        skipWhitespace()
        guard pos < end, byte(pos) == UInt8(ascii: ":") else { throw fail("expected ':' after object key") }
        pos += 1
        return key
    }

    /// RFC 7493 §2.3 (I-JSON, required by RFC 8785 §3.1): member names must be unique.
    /// Names compare by exact code points (their UTF-8 bytes), never by canonical equivalence.
    private func checkUnique(_ key: String, in frame: inout Frame, at offset: Int) throws(JSONError) {
        let duplicate: Bool
        if frame.members.count < Self.linearScanLimit {
            duplicate = frame.members.contains { ExactKey.equal($0.key, key) }
        } else {
            if frame.keyIndex.isEmpty {
                frame.keyIndex.reserveCapacity(frame.members.count * 2)
                for member in frame.members { frame.keyIndex.insert(ExactKey(member.key)) }
            }
            duplicate = !frame.keyIndex.insert(ExactKey(key)).inserted
        }
        if duplicate { throw fail("duplicate object key \"\(key.prefix(64))\"", at: offset) }
    }

    private mutating func parseLiteral(_ word: StaticString, _ value: JSONValue) throws(JSONError) -> JSONValue {
        let count = word.utf8CodeUnitCount
        let matches = pos + count <= end
            && (0..<count).allSatisfy { byte(pos + $0) == word.utf8Start[$0] }
        guard matches else { throw fail("invalid literal, expected '\(word)'") }
        pos += count
        return value
    }

    /// Steps over insignificant whitespace.
    @inline(__always)
    mutating func skipWhitespace() {
        // RFC 8259 §2: insignificant whitespace is space, tab, line feed and carriage return only.
        while pos < end {
            switch byte(pos) {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    /// A byte as shown in error messages: `'x'` when printable, else `byte 0x1F`.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(HexDigits.upper(byte))"
    }
}
