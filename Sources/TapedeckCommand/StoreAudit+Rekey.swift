import TapedeckBedrock
import TapedeckStore
/// Putting a store right after an audit: each cassette saved under the key its request gives, one per key.
extension StoreAudit {
    /// What `rekey` did, as lines to print, and what it could not do.
    struct RekeyOutcome: Sendable, Equatable {
        var rekeyed = 0
        var removedDuplicates = 0
        var lines: [String] = []
        var failures: [String] = []
    }

    /// Saves every wrong-keyed cassette that is kept under the key its request gives (its `key` field updated),
    /// removes what is left under old keys and the duplicates not kept, and moves their hits to the new keys.
    ///
    /// Every write happens before any removal, and a cassette whose file another one's new key will overwrite
    /// is read first, so keys that trade places (a file under each other's name) come out right.
    func rekey(_ store: CassetteStore) -> RekeyOutcome {
        var outcome = RekeyOutcome()
        let surplus = Set(duplicates.map(\.surplus.entry.key))
        let keepers = checked.filter { !surplus.contains($0.entry.key) }
        let finalKeys = Set(keepers.map(\.derived))
        let moving = keepers.filter { !$0.isRight }

        var early: [CacheKey: Cassette] = [:]
        for item in moving where finalKeys.contains(item.entry.key) {
            if let cassette = load(item, from: store, failures: &outcome.failures) { early[item.entry.key] = cassette }
        }
        var written: [Checked] = []
        for item in moving {
            guard var cassette = early[item.entry.key] ?? load(item, from: store, failures: &outcome.failures) else { continue }
            cassette.key = item.derived
            do {
                try store.save(cassette)
                written.append(item)
                outcome.rekeyed += 1
                outcome.lines.append("rekeyed \(item.entry.key.hex) → \(item.derived.hex)")
            } catch {
                outcome.failures.append("cannot save \(item.derived.hex) in \(store.description): \(StoreScan.reason(error))")
            }
        }

        var hits = UsageCounts()
        let usage: UsageCounts
        do {
            usage = try store.usage()
        } catch {
            usage = UsageCounts()
            outcome.failures.append("cannot read usage counts of \(store.description), so hits stay with the old keys: \(StoreScan.reason(error))")
        }
        // A duplicate goes only once the recording kept instead of it is in place.
        let settled = Set(written.map(\.entry.key) + keepers.filter(\.isRight).map(\.entry.key))
        let replaced = duplicates.filter { settled.contains($0.keeper.entry.key) }.map(\.surplus)
        let leaving = written + replaced
        for item in leaving where !finalKeys.contains(item.entry.key) {
            do {
                _ = try store.remove(item.entry.key)
            } catch {
                outcome.failures.append("cannot remove \(item.entry.location): \(StoreScan.reason(error))")
                continue
            }
            if surplus.contains(item.entry.key) {
                outcome.removedDuplicates += 1
                outcome.lines.append("removed duplicate \(item.entry.key.hex) (its request gives \(item.derived.hex), kept from a later recording)")
            }
            if let moved = usage.hits[item.entry.key] { hits.add(UsageCounts(hits: [item.derived: moved])) }
        }
        for item in replaced where finalKeys.contains(item.entry.key) {
            // Its file now holds the kept recording, which took its name.
            outcome.removedDuplicates += 1
            outcome.lines.append("replaced duplicate \(item.entry.key.hex) with the later recording that gives the same key")
        }
        do {
            try store.addUsage(hits)
        } catch {
            outcome.failures.append("cannot move hit counts to the new keys: \(StoreScan.reason(error))")
        }
        return outcome
    }

    /// The cassette filed as `item` says, or nil with a failure noted.
    private func load(_ item: Checked, from store: CassetteStore, failures: inout [String]) -> Cassette? {
        do {
            if let cassette = try store.loadAsFiled(item.entry.key) { return cassette }
            failures.append("\(item.entry.location) was removed while it was being rekeyed")
        } catch {
            failures.append("cannot read \(item.entry.location): \(StoreScan.reason(error))")
        }
        return nil
    }
}
