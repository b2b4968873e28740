import TapedeckBedrock
import TapedeckStore
/// Copies every cassette of one store into another, with its usage counts, for `export` and `import`: each
/// namespace into a namespace of the destination, as `routes(from:into:flag:)` pairs them.
///
/// Copying is idempotent: a cassette the destination already holds byte for byte is skipped, and usage counts
/// are merged so the destination ends with at least the source's hits per cassette (the later last hit wins)
/// and misses per model. A fresh destination gets the source's counts exactly; a second copy changes nothing.
struct StoreCopier {
    /// One namespace to copy: the source seen through it and the destination seen through the one it goes into.
    struct Route {
        let source: CassetteStore
        let destination: CassetteStore
    }

    let routes: [Route]
    /// What the progress meter says, e.g. `exporting`.
    let label: String

    /// What a copy did.
    struct Outcome: Sendable, Equatable {
        /// Cassettes written to the destination.
        var copied = 0
        /// Cassettes the destination already held unchanged.
        var alreadyThere = 0
        /// How many namespaces of the source held cassettes.
        var namespaces = 0
        /// One line per cassette that could not be copied, and for counts that could not be merged.
        var failures: [String] = []
    }

    /// Copies everything, showing progress over every namespace's cassettes on stderr.
    func copy() throws(CommandFailure) -> Outcome {
        var listed: [(route: Route, entries: [StoreEntry])] = []
        for route in routes { listed.append((route, try StoreOption.entries(of: route.source))) }
        var outcome = Outcome()
        outcome.namespaces = listed.filter { !$0.entries.isEmpty }.count
        var progress = ProgressMeter(total: listed.reduce(0) { $0 + $1.entries.count }, label: label)
        var done = 0
        for (route, entries) in listed {
            let sourceUsage = try StoreOption.usage(of: route.source)
            let destinationUsage = try StoreOption.usage(of: route.destination)
            var present: [CacheKey] = []
            for entry in entries {
                do {
                    if try copy(entry, along: route) { outcome.copied += 1 } else { outcome.alreadyThere += 1 }
                    present.append(entry.key)
                } catch {
                    outcome.failures.append(error.reason)
                }
                done += 1
                progress.show(done)
            }
            let missing = Self.missingUsage(source: sourceUsage, destination: destinationUsage, keys: present)
            do {
                try route.destination.addUsage(missing)
            } catch {
                outcome.failures.append("cannot add usage counts to \(route.destination.description): \(StoreScan.reason(error))")
            }
        }
        progress.finish()
        return outcome
    }

    /// Copies one cassette; false when the destination already held it unchanged.
    private func copy(_ entry: StoreEntry, along route: Route) throws(CommandFailure) -> Bool {
        let (source, destination) = (route.source, route.destination)
        let loaded: Cassette?
        do {
            loaded = try source.load(entry.key)
        } catch {
            throw CommandFailure("cannot read \(entry.location): \(StoreScan.reason(error))")
        }
        guard let cassette = loaded else { throw CommandFailure("\(entry.location) was removed while it was being copied") }
        do {
            if let existing = try destination.load(entry.key), existing.encoded() == cassette.encoded() { return false }
        } catch {
            // A newer Tapedeck's cassette is never overwritten; an unreadable one is replaced by a good copy.
            if error.isNewerFormat {
                throw CommandFailure("not copying \(entry.key.hex): \(destination.description) holds it in a newer format")
            }
        }
        do {
            try destination.save(cassette)
        } catch {
            throw CommandFailure("cannot write \(entry.key.hex) to \(destination.description): \(StoreScan.reason(error))")
        }
        return true
    }

    /// What `destination` must gain to hold at least `source`'s counts for `keys` and for every model's misses.
    static func missingUsage(source: UsageCounts, destination: UsageCounts, keys: [CacheKey]) -> UsageCounts {
        var missing = UsageCounts()
        for key in keys {
            guard let theirs = source.hits[key] else { continue }
            let mine = destination.hits[key]
            let count = max(0, theirs.count.subtractingSaturated(mine?.count ?? 0))
            if count > 0 || theirs.lastHitAt > (mine?.lastHitAt ?? Int.min) {
                missing.hits[key] = UsageCounts.Hits(count: count, lastHitAt: theirs.lastHitAt)
            }
        }
        for (model, count) in source.misses where count > destination.misses[model] ?? 0 {
            missing.misses[model] = count.subtractingSaturated(destination.misses[model] ?? 0)
        }
        return missing
    }
}
