import TapedeckSystem
import TapedeckBedrock
import TapedeckStore
/// What `verify` finds in a store: cassettes that cannot be read, cassettes filed under a key their request does
/// not give, and cassettes whose requests give the same key as another's.
struct StoreAudit: Sendable {
    /// A readable cassette: where it is filed, the key its own `key` field holds, and the key its request gives.
    struct Checked: Sendable, Equatable {
        var entry: StoreEntry
        var keyField: CacheKey
        var derived: CacheKey
        var recordedAt: String

        /// Whether it is filed under the key its request gives, and says so itself.
        var isRight: Bool { entry.key == derived && keyField == derived }
    }

    /// A cassette whose request gives the same key as a later recording's, which is kept instead of it.
    struct Duplicate: Sendable, Equatable {
        var surplus: Checked
        var keeper: Checked
    }

    /// How many entries were checked.
    var total = 0
    var corrupt: [StoreScan.Unreadable] = []
    /// Every readable cassette.
    var checked: [Checked] = []
    /// Readable cassettes not filed under the key their request gives.
    var wrongKeys: [Checked] { checked.filter { !$0.isRight } }
    var duplicates: [Duplicate] = []

    /// Whether anything was found.
    var isClean: Bool { corrupt.isEmpty && checked.allSatisfy(\.isRight) && duplicates.isEmpty }

    /// Reads every entry of `store` and derives each request's key leaving out `ignoring`, as `serve` would.
    static func run(_ store: CassetteStore, ignoring: [String]) throws(CommandFailure) -> StoreAudit {
        let entries = try StoreOption.entries(of: store)
        var audit = StoreAudit(total: entries.count)
        for entry in entries {
            let loaded: Cassette?
            do {
                loaded = try store.loadAsFiled(entry.key)
            } catch {
                audit.corrupt.append(.init(entry: entry, reason: StoreScan.reason(error)))
                continue
            }
            guard let cassette = loaded else { continue }
            do {
                let derived = try cassette.keyedRequest.key(ignoring: ignoring).repeated(cassette.repeatIndex)
                audit.checked.append(Checked(entry: entry, keyField: cassette.key, derived: derived, recordedAt: cassette.recordedAt))
            } catch {
                audit.corrupt.append(.init(entry: entry, reason: "its request cannot be keyed: \(error)"))
            }
        }
        audit.duplicates = duplicates(among: audit.checked)
        return audit
    }

    /// For each set of cassettes whose requests give one key, all but the one to keep: the latest recording,
    /// then the one already filed right, then the lowest key.
    static func duplicates(among checked: [Checked]) -> [Duplicate] {
        var groups: [CacheKey: [Checked]] = [:]
        for item in checked { groups[item.derived, default: []].append(item) }
        var found: [Duplicate] = []
        for group in groups.values where group.count > 1 {
            let ranked = group.sorted { a, b in
                let (ta, tb) = (Timestamp.parse(a.recordedAt) ?? Int.min, Timestamp.parse(b.recordedAt) ?? Int.min)
                if ta != tb { return ta > tb }
                if a.isRight != b.isRight { return a.isRight }
                return a.entry.key.hex < b.entry.key.hex
            }
            found += ranked.dropFirst().map { Duplicate(surplus: $0, keeper: ranked[0]) }
        }
        return found.sorted { $0.surplus.entry.key.hex < $1.surplus.entry.key.hex }
    }

    /// One line per finding: `corrupt: …`, `wrong key: …`, `duplicate: …`.
    var findings: [String] {
        corrupt.map { "corrupt: \($0.entry.location): \($0.reason)" }
            + wrongKeys.map { item in
                item.entry.key != item.derived
                    ? "wrong key: \(item.entry.location) holds \(item.entry.key.hex) but its request gives \(item.derived.hex)"
                    : "wrong key: \(item.entry.location) has key field \(item.keyField.hex) but its request gives \(item.derived.hex)"
            }
            + duplicates.map {
                "duplicate: \($0.surplus.entry.location) gives \($0.surplus.derived.hex) like \($0.keeper.entry.location), the one --rekey keeps"
            }
    }

    /// `verified N cassettes: X corrupt, Y wrong keys, Z duplicates`.
    var summary: String { Self.summary(of: [self]) }

    /// The summary of audits of several namespaces, their counts added: `verified N cassettes across M namespaces:
    /// …` when more than one namespace held cassettes.
    static func summary(of audits: [StoreAudit]) -> String {
        let total = audits.reduce(0) { $0 + $1.total }
        let corrupt = audits.reduce(0) { $0 + $1.corrupt.count }
        let wrongKeys = audits.reduce(0) { $0 + $1.wrongKeys.count }
        let duplicates = audits.reduce(0) { $0 + $1.duplicates.count }
        let across = StoreScope.across(audits.filter { $0.total > 0 }.count)
        return "verified \(total) cassettes\(across): \(corrupt) corrupt, \(wrongKeys) wrong keys, \(duplicates) duplicates"
    }
}
