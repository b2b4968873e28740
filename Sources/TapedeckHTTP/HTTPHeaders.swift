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
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [HTTPField]

    /// Creates headers from fields in order.
    public init(_ fields: [HTTPField] = []) {
        self.fields = fields
    }

    /// Creates headers from name/value pairs in order.
    public init(_ pairs: [(String, String)]) {
        self.fields = pairs.map { HTTPField($0.0, $0.1) }
    }

    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }

    /// The number of fields, duplicates counted.
    public var count: Int { fields.count }

    /// The first value of `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        for field in fields where Self.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field, keeping any existing ones of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(HTTPField(name, value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append(HTTPField(name, value))
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// These fields without those whose lower-cased name is in `names`, which must hold lower-case names.
    public func removing(names: Set<String>) -> HTTPHeaders {
        HTTPHeaders(fields.filter { !names.contains($0.name.lowercased()) })
    }

    /// Whether a comma-separated header (such as Connection) lists `token`, case-insensitively.
    public func hasToken(_ token: String, in name: String) -> Bool {
        for field in fields where Self.equalsIgnoringCase(field.name, name) {
            // Comma-separated, optional spaces and tabs around each token; compared as bytes, no strings made.
            var found = false
            let wanted = token.utf8
            var value = field.value
            value.withUTF8 { bytes in
                var start = 0
                while start <= bytes.count && !found {
                    var end = start
                    while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
                    var from = start, to = end
                    while from < to && (bytes[from] == 0x20 || bytes[from] == 0x09) { from += 1 }
                    while to > from && (bytes[to - 1] == 0x20 || bytes[to - 1] == 0x09) { to -= 1 }
                    if to - from == wanted.count && zip(bytes[from..<to], wanted).allSatisfy({ Self.lowerASCII($0) == Self.lowerASCII($1) }) {
                        found = true
                    }
                    start = end + 1
                }
            }
            if found { return true }
        }
        return false
    }

    /// ASCII case-insensitive comparison, as header names require (RFC 9110 §5.1).
    @inline(__always)
    public static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        if let fast = x.withContiguousStorageIfAvailable({ p in
            y.withContiguousStorageIfAvailable { q in
                for i in 0..<p.count where lowerASCII(p[i]) != lowerASCII(q[i]) { return false }
                return true
            }
        }), let answer = fast {
            return answer
        }
        return zip(x, y).allSatisfy { lowerASCII($0) == lowerASCII($1) }
    }

    @inline(__always)
    static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
