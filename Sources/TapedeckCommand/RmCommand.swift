import TapedeckBedrock
import TapedeckStore
/// `tapedeck rm`: removes the cassettes the given key prefixes name, each prefix naming exactly one.
struct RmCommand: Subcommand {
    static let name = "rm"
    static let usage = "tapedeck rm KEY-PREFIX... [--store STORE]"
    static let summary = "remove cassettes by key prefix"
    static let details = """
        Removes each cassette whose key starts with one of the KEY-PREFIXes and prints "removed <key>".
        A prefix that matches no cassette, or several, removes nothing for that prefix, is reported on stderr,
        and makes the exit status 1 once the other prefixes have been dealt with.
        """
    static let specs = [StoreOption.spec]

    let store: String
    let prefixes: [KeyPrefix]

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        guard !operands.isEmpty else { throw UsageError("needs at least one KEY-PREFIX (see tapedeck ls)") }
        var prefixes: [KeyPrefix] = []
        for operand in operands { prefixes.append(try KeyPrefix(operand)) }
        self.prefixes = prefixes
        store = try StoreOption.value(values)
    }

    func run() throws(CommandFailure) -> Int32 {
        let opened = try StoreOption.open(store)
        let entries = try StoreOption.entries(of: opened)
        var failed = false
        var removed: Set<CacheKey> = []
        for prefix in prefixes {
            do {
                let entry = try prefix.resolve(in: entries, store: opened.description)
                // The same cassette named twice (`rm d42a d42a05`) is removed once and reported once.
                guard removed.insert(entry.key).inserted else { continue }
                try Self.remove(entry, from: opened)
                Output.out("removed \(entry.key.hex)\n")
            } catch {
                Output.err("tapedeck rm: \(error.reason)\n")
                failed = true
            }
        }
        return failed ? 1 : 0
    }

    /// Removes one listed cassette; one that is gone already or cannot be removed is a failure.
    static func remove(_ entry: StoreEntry, from store: CassetteStore) throws(CommandFailure) {
        let existed: Bool
        do {
            existed = try store.remove(entry.key)
        } catch {
            throw CommandFailure("cannot remove \(entry.location): \(StoreScan.reason(error))")
        }
        guard existed else { throw CommandFailure("\(entry.location) was already gone") }
    }
}
