/// One header line: the name as sent and its value with surrounding whitespace removed.
public struct HTTPField: Sendable, Equatable {
    public var name: String
    public var value: String

    /// Creates a field.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Header fields in the order they were sent, duplicates kept, looked up without regard to ASCII case.
///
/// The fields live as bytes: a parsed head's bytes kept once with each field's name and value as offsets into them
/// (fields added later are appended to the same bytes). Names are compared in place and a `String` is made only when
/// a caller asks for a value (or `fields`) as one, so a hit's lookups allocate nothing.
public struct HTTPHeaders: Sendable, Sequence {
    /// Where one field's name and (trimmed) value lie in `bytes`.
    struct Span: Sendable {
        var nameStart: UInt32
        var nameEnd: UInt32
        var valueStart: UInt32
        var valueEnd: UInt32
    }

    private var bytes: [UInt8]
    private var spans: [Span]

    /// Creates headers from fields in order.
    public init(_ fields: [HTTPField] = []) {
        bytes = []
        spans = []
        for field in fields { add(field.name, field.value) }
    }

    /// Creates headers from name/value pairs in order.
    public init(_ pairs: [(String, String)]) {
        bytes = []
        spans = []
        for (name, value) in pairs { add(name, value) }
    }

    /// Headers whose fields are `spans` into `bytes` (a parsed head).
    init(bytes: [UInt8], spans: [Span]) {
        self.bytes = bytes
        self.spans = spans
    }

    /// The fields as strings, in order (made on each call: the hot path uses the lookups).
    public var fields: [HTTPField] {
        bytes.withUnsafeBufferPointer { base in
            spans.map { span in
                HTTPField(
                    String(decoding: Self.name(span, base), as: UTF8.self),
                    String(decoding: Self.value(span, base), as: UTF8.self))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }

    /// The number of fields, duplicates counted.
    public var count: Int { spans.count }

    /// The first value of `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        withValue(name) { String(decoding: $0, as: UTF8.self) }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        var found: [String] = []
        forEachValue(name) { found.append(String(decoding: $0, as: UTF8.self)) }
        return found
    }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool { count(of: name) > 0 }

    /// How many fields are named `name`.
    public func count(of name: String) -> Int {
        var count = 0
        forEachValue(name) { _ in count += 1 }
        return count
    }

    /// `body` applied to the bytes of the first value of `name`, or nil when there is none; nothing is allocated.
    public func withValue<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try Self.withUTF8(name) { wanted in
            try bytes.withUnsafeBufferPointer { base in
                for span in spans where Self.matches(span, base, wanted) { return try body(Self.value(span, base)) }
                return nil
            }
        }
    }

    /// Calls `body` with the bytes of every value of `name`, in order; nothing is allocated.
    public func forEachValue(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try Self.withUTF8(name) { wanted in
            try bytes.withUnsafeBufferPointer { base in
                for span in spans where Self.matches(span, base, wanted) { try body(Self.value(span, base)) }
            }
        }
    }

    /// Calls `body` with the bytes of every field's name and value, in order; nothing is allocated.
    public func forEachField(_ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { base in
            for span in spans { try body(Self.name(span, base), Self.value(span, base)) }
        }
    }

    /// Appends a field, keeping any existing ones of the same name.
    public mutating func add(_ name: String, _ value: String) {
        let nameStart = UInt32(bytes.count)
        bytes.append(contentsOf: name.utf8)
        let valueStart = UInt32(bytes.count)
        bytes.append(contentsOf: value.utf8)
        spans.append(Span(nameStart: nameStart, nameEnd: valueStart, valueStart: valueStart, valueEnd: UInt32(bytes.count)))
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        let kept = Self.withUTF8(name) { wanted in
            bytes.withUnsafeBufferPointer { base in spans.filter { !Self.matches($0, base, wanted) } }
        }
        if kept.count != spans.count { spans = kept }
    }

    /// These fields without those whose lower-cased name is in `names`, which must hold lower-case names.
    public func removing(names: Set<String>) -> HTTPHeaders {
        var copy = self
        copy.spans = bytes.withUnsafeBufferPointer { base in
            spans.filter { span in
                !names.contains(String(decoding: Self.name(span, base).map(Self.lowerASCII), as: UTF8.self))
            }
        }
        return copy
    }

    /// Whether a comma-separated header (such as Connection) lists `token`, case-insensitively.
    public func hasToken(_ token: String, in name: String) -> Bool {
        var found = false
        Self.withUTF8(token) { wanted in
            forEachValue(name) { bytes in
                // Comma-separated, optional spaces and tabs around each token; compared as bytes, no strings made.
                var start = 0
                while start <= bytes.count && !found {
                    var end = start
                    while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
                    var from = start, to = end
                    while from < to && (bytes[from] == 0x20 || bytes[from] == 0x09) { from += 1 }
                    while to > from && (bytes[to - 1] == 0x20 || bytes[to - 1] == 0x09) { to -= 1 }
                    if Self.equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[from..<to]), wanted) { found = true }
                    start = end + 1
                }
            }
        }
        return found
    }

    /// ASCII case-insensitive comparison, as header names require (RFC 9110 §5.1).
    @inline(__always)
    public static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        return withUTF8(a) { p in withUTF8(b) { q in equalsIgnoringCase(p, q) } }
    }

    /// ASCII case-insensitive comparison of two byte strings.
    @inline(__always)
    public static func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where lowerASCII(a[i]) != lowerASCII(b[i]) { return false }
        return true
    }

    /// ASCII case-insensitive comparison of a byte string with `b`.
    @inline(__always)
    public static func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: String) -> Bool {
        a.count == b.utf8.count && withUTF8(b) { equalsIgnoringCase(a, $0) }
    }

    @inline(__always)
    static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    @inline(__always)
    private static func matches(_ span: Span, _ base: UnsafeBufferPointer<UInt8>, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(span.nameEnd - span.nameStart) == wanted.count else { return false }
        return equalsIgnoringCase(name(span, base), wanted)
    }

    @inline(__always)
    private static func name(_ span: Span, _ base: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: base[Int(span.nameStart)..<Int(span.nameEnd)])
    }

    @inline(__always)
    private static func value(_ span: Span, _ base: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: base[Int(span.valueStart)..<Int(span.valueEnd)])
    }

    /// `body` applied to `string`'s UTF-8 in place (literals and native strings), or to a copy otherwise.
    @inline(__always)
    package static func withUTF8<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try string.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = string
        return try copy.withUTF8(body)
    }
}

extension HTTPHeaders: Equatable {
    /// The same fields, names and values byte for byte, in the same order.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.spans.count == rhs.spans.count else { return false }
        return lhs.bytes.withUnsafeBufferPointer { a in
            rhs.bytes.withUnsafeBufferPointer { b in
                for (x, y) in zip(lhs.spans, rhs.spans) {
                    guard name(x, a).elementsEqual(name(y, b)), value(x, a).elementsEqual(value(y, b)) else { return false }
                }
                return true
            }
        }
    }
}
