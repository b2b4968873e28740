import TapedeckCodec
/// Equality of JSON values under RFC 8785's canonical form, computed without writing canonical bytes.
///
/// Two values are equivalent exactly when `JSONWriter.canonical` would print the same bytes for both:
/// objects ignore member order, numbers compare by their IEEE 754 double value (`0.7` == `0.70` ==
/// `7e-1`), strings and member names compare by exact code points. Walking the values instead of
/// encoding them keeps a comparison of two multi-megabyte requests free of allocations.
enum JSONEquivalence {
    /// Whether `lhs` and `rhs` have the same canonical form.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.number(let a), .number(let b)):
            return numbersEqual(a, b)
        case (.string(let a), .string(let b)):
            return ExactKey.equal(a, b)
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            for index in a.indices where !equal(a[index], b[index]) {
                return false
            }
            return true
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for member in a {
                guard let other = b.first(where: { ExactKey.equal($0.key, member.key) }),
                      equal(member.value, other.value) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Whether two members of possibly absent values are equivalent (both absent counts as equal).
    static func equal(_ lhs: JSONValue?, _ rhs: JSONValue?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): true
        case (let a?, let b?): equal(a, b)
        default: false
        }
    }

    /// RFC 8785 §3.2.2.3: numbers are equal when their doubles are (`-0` and `0` both print as `0`).
    static func numbersEqual(_ lhs: String, _ rhs: String) -> Bool {
        if ExactKey.equal(lhs, rhs) { return true }
        guard let a = Double(lhs), let b = Double(rhs), a.isFinite, b.isFinite else { return false }
        return a == b
    }

    /// The member names of `lhs` and `rhs` together, each once, sorted by UTF-16 code units so the
    /// order does not depend on either side's member order.
    static func memberNames(_ lhs: [JSONMember], _ rhs: [JSONMember]) -> [String] {
        var names = lhs.map(\.key)
        for member in rhs where !names.contains(where: { ExactKey.equal($0, member.key) }) {
            names.append(member.key)
        }
        return names.sorted { JSONWriter.utf16Precedes($0, $1) }
    }

    /// A short JSON rendering of a scalar for a message (`0.7`, `"metric"`, `true`), nil for arrays and objects.
    static func scalarText(_ value: JSONValue, maxCharacters: Int = 40) -> String? {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let literal): return literal
        case .string(let text):
            let shown = text.count > maxCharacters ? String(text.prefix(maxCharacters)) + "…" : text
            return "\"" + TextDifference.escaped(shown) + "\""
        case .array, .object: return nil
        }
    }
}
