import TapedeckBedrock
import TapedeckStore
/// `tapedeck rm`: removes the cassettes the given key prefixes name, each prefix naming exactly one.
struct RmCommand: Subcommand {
    static let name = "rm"
    static let usage = "tapedeck rm KEY-PREFIX... [--namespace NAME] [--store STORE]"
    static let summary = "remove cassettes by key prefix"
    static let details = """
        Removes each cassette whose key starts with one of the KEY-PREFIXes, in whichever namespace it is,
        and prints "removed <key>" (followed by "(namespace NAME)" unless it is in the shared namespace).
        --namespace NAME, or a --store ending in #NAME, looks in one namespace only (--namespace "" the shared
        one). A prefix that matches no cassette, or several (the same key in two namespaces too), removes
        nothing for that prefix, is reported on stderr with the matches and their namespaces, and makes the
        exit status 1 once the other prefixes have been dealt with.
        """
    static let specs = [StoreScope.spec, StoreOption.spec]

    let store: String
    let prefixes: [KeyPrefix]
    let namespace: String?

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        guard !operands.isEmpty else { throw UsageError("needs at least one KEY-PREFIX (see tapedeck ls)") }
        var prefixes: [KeyPrefix] = []
        for operand in operands { prefixes.append(try KeyPrefix(operand)) }
        self.prefixes = prefixes
        namespace = values["namespace"]?.last
        store = try StoreOption.value(values)
    }

    func run() throws(CommandFailure) -> Int32 {
        let scope = try StoreScope.open(store, namespace: namespace)
        let entries = try scope.entries()
        var failed = false
        var removed: Set<String> = []
        for prefix in prefixes {
            do {
                let found = try scope.resolve(prefix, in: entries)
                // The same cassette named twice (`rm d42a d42a05`) is removed once and reported once.
                guard removed.insert(found.entry.location).inserted else { continue }
                try Self.remove(found.entry, from: found.view.store)
                Output.out("removed \(found.entry.key.hex)\(found.view.suffix)\n")
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
