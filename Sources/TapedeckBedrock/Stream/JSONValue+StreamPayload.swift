import TapedeckCodec
/// Typed member access for event payloads and Converse bodies, skipping the padding field `p`.
extension JSONValue {
    /// The members of this object without Bedrock's undocumented padding member `p`.
    func membersWithoutPadding(named what: String) throws(StreamFoldError) -> [JSONMember] {
        guard let members = objectValue else { throw .missing(what, expected: "an object") }
        return members.filter { !ExactKey.equal($0.key, "p") }
    }

    /// The string member `key`, which must be present.
    func requiredString(_ key: String) throws(StreamFoldError) -> String {
        guard let text = self[key]?.stringValue else { throw .missing("\"\(key)\"", expected: "a string") }
        return text
    }

    /// The member `key`, which must be present (any JSON type).
    func required(_ key: String) throws(StreamFoldError) -> JSONValue {
        guard let value = self[key] else { throw .missing("\"\(key)\"", expected: "present") }
        return value
    }

    /// `contentBlockIndex` as a non-negative integer.
    func contentBlockIndex() throws(StreamFoldError) -> Int {
        guard let literal = self["contentBlockIndex"]?.numberLiteral, let index = Int(literal), index >= 0 else {
            throw .missing("\"contentBlockIndex\"", expected: "a non-negative integer")
        }
        return index
    }
}
