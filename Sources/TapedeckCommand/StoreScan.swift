import Glibc
import TapedeckStore

/// Reads a store's cassettes one at a time, so a large store never sits in memory whole, and collects the
/// ones that cannot be read instead of stopping at the first.
enum StoreScan {
    /// A cassette that could not be read: where it is and why, without the path repeated.
    struct Unreadable: Sendable, Equatable {
        var entry: StoreEntry
        var reason: String
    }

    /// Loads every entry in turn and hands it to `body`; returns the unreadable ones. An entry that vanished
    /// since the listing (another process removed it) is skipped.
    static func each(
        _ entries: [StoreEntry], in store: CassetteStore, _ body: (StoreEntry, Cassette) -> Void
    ) -> [Unreadable] {
        var unreadable: [Unreadable] = []
        for entry in entries {
            do {
                guard let cassette = try store.load(entry.key) else { continue }
                body(entry, cassette)
            } catch {
                unreadable.append(Unreadable(entry: entry, reason: reason(error)))
            }
        }
        return unreadable
    }

    /// Writes `tapedeck <command>: cannot read <location>: <reason>` for each, and a hint to run verify.
    static func warn(_ unreadable: [Unreadable], command: String) {
        guard !unreadable.isEmpty else { return }
        for item in unreadable {
            Output.err("tapedeck \(command): cannot read \(item.entry.location): \(item.reason)\n")
        }
        Output.err("tapedeck \(command): \(unreadable.count) cassette\(unreadable.count == 1 ? "" : "s") skipped; tapedeck verify lists every problem\n")
    }

    /// What went wrong with one cassette, without the location its message would repeat.
    static func reason(_ error: CassetteError) -> String {
        switch error {
        case .corrupt(_, let reason): return reason
        case .malformed(let reason): return reason
        case .newerFormat(_, let format):
            return "format \(format), written by a newer Tapedeck (this one reads up to \(Cassette.formatVersion))"
        case .io(_, let cause): return "\(cause.call): \(String(cString: strerror(cause.errno)))"
        default: return error.description
        }
    }
}
