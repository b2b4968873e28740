import TapedeckCodec
/// The first place where two free-form JSON values differ, named by a dotted path.
///
/// Used for fields whose shape Tapedeck does not know, such as `additionalModelRequestFields`:
/// `thinking.budget_tokens 1024 → 2048`, `thinking.type added`, `stop[1] "a" → "b"`.
/// Object members are visited in UTF-16 name order, so the answer does not depend on member order.
enum JSONPathDifference {
    /// A phrase naming the first difference between `recorded` and `asked`, or nil when they are equivalent.
    static func first(from recorded: JSONValue, to asked: JSONValue) -> String? {
        first(from: recorded, to: asked, path: "")
    }

    private static func first(from recorded: JSONValue, to asked: JSONValue, path: String) -> String? {
        if JSONEquivalence.equal(recorded, asked) { return nil }
        switch (recorded, asked) {
        case (.object(let left), .object(let right)):
            for name in JSONEquivalence.memberNames(left, right) {
                let child = path.isEmpty ? name : path + "." + name
                switch (member(name, of: left), member(name, of: right)) {
                case (nil, .some): return child + " added"
                case (.some, nil): return child + " removed"
                case (let a?, let b?):
                    if let found = first(from: a, to: b, path: child) { return found }
                case (nil, nil): continue
                }
            }
            return nil
        case (.array(let left), .array(let right)):
            guard left.count == right.count else {
                return prefixed(path, "\(items(left.count)) → \(items(right.count))")
            }
            for index in left.indices {
                if let found = first(from: left[index], to: right[index], path: path + "[\(index)]") {
                    return found
                }
            }
            return nil
        default:
            if let a = JSONEquivalence.scalarText(recorded), let b = JSONEquivalence.scalarText(asked) {
                return prefixed(path, "\(a) → \(b)")
            }
            return path.isEmpty ? "changed" : path + " changed"
        }
    }

    private static func member(_ name: String, of members: [JSONMember]) -> JSONValue? {
        members.first { ExactKey.equal($0.key, name) }?.value
    }

    private static func prefixed(_ path: String, _ phrase: String) -> String {
        path.isEmpty ? phrase : path + " " + phrase
    }

    private static func items(_ count: Int) -> String {
        count == 1 ? "1 item" : "\(count) items"
    }
}
