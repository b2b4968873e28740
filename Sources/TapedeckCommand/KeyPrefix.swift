import TapedeckStore
/// A key as a person types it: the first few hex digits of a cassette's key, resolved against a store's entries.
struct KeyPrefix: Sendable, Equatable, CustomStringConvertible {
    /// The lowercase hex digits typed.
    let text: String

    /// How many matches an ambiguity message lists before it says how many more there are.
    static let listedMatches = 10

    /// Accepts 1 to 64 hex digits (either case); anything else is a bad command line.
    init(_ text: String) throws(UsageError) {
        let lower = text.lowercased()
        let isHex = lower.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        guard !lower.isEmpty, lower.utf8.count <= 64, isHex else {
            throw UsageError("\"\(text)\" is not a key prefix: expected 1 to 64 hex digits, as tapedeck ls shows them")
        }
        self.text = lower
    }

    var description: String { text }

    /// The one entry whose key starts with this prefix; none or several is a failure (exit 1) that says which.
    func resolve(in entries: [StoreEntry], store: String) throws(CommandFailure) -> StoreEntry {
        let matches = entries.filter { $0.key.hex.hasPrefix(text) }
        switch matches.count {
        case 1:
            return matches[0]
        case 0:
            throw CommandFailure("no cassette in \(store) has a key starting with \(text)")
        default:
            let listed = matches.prefix(Self.listedMatches).map { "\n  \($0.key.hex)  \($0.location)" }.joined()
            let more = matches.count > Self.listedMatches ? "\n  … and \(matches.count - Self.listedMatches) more" : ""
            throw CommandFailure(
                "key prefix \(text) is ambiguous: \(matches.count) cassettes in \(store) match; give more digits:\(listed)\(more)")
        }
    }
}
