/// A parsed JSON document. Objects keep their members in source order; numbers keep the literal as written,
/// so a recorded answer is replayed with exactly the digits upstream sent.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number literal exactly as it appeared (already validated against RFC 8259's grammar).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in source order; the parser rejects duplicate names.
    case object([JSONMember])
}

/// One `"name": value` pair of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    /// Creates a member.
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}
