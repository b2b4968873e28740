/// The recorded requests of one (namespace, model) pair, bucketed by the start of the first user message.
struct NearestGroup {
    /// One recorded request.
    struct Entry {
        /// The cassette key it was recorded under.
        let key: String
        /// The request body, `NearestIndex.condensed`, as compact JSON.
        let request: [UInt8]
        /// The bucket it sits in.
        let fingerprint: String
        /// Insertion order across the whole index; higher is more recent.
        let sequence: Int
    }

    /// Entries by cassette key.
    private(set) var entries: [String: Entry] = [:]
    /// Keys by fingerprint, oldest first.
    private var buckets: [String: [String]] = [:]
    /// Every insertion, oldest first; an item is stale once its key was removed or inserted again.
    private var log: [(sequence: Int, key: String)] = []
    private var staleCount = 0

    /// Whether the group holds no request.
    var isEmpty: Bool { entries.isEmpty }

    /// Adds `entry`, replacing any entry with the same key.
    mutating func insert(_ entry: Entry) {
        remove(key: entry.key)
        entries[entry.key] = entry
        buckets[entry.fingerprint, default: []].append(entry.key)
        log.append((entry.sequence, entry.key))
    }

    /// Removes the entry recorded under `key`, if any.
    mutating func remove(key: String) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        if var keys = buckets[entry.fingerprint], let index = keys.lastIndex(of: key) {
            keys.remove(at: index)
            buckets[entry.fingerprint] = keys.isEmpty ? nil : keys
        }
        staleCount += 1
        if staleCount > 64, staleCount * 2 > log.count {
            log.removeAll { entries[$0.key]?.sequence != $0.sequence }
            staleCount = 0
        }
    }

    /// Up to `limit` entries, most recent first: those whose fingerprint is `fingerprint`, or, when that
    /// bucket is empty, the most recent of the whole group.
    func candidates(fingerprint: String, limit: Int) -> [Entry] {
        var found: [Entry] = []
        if let keys = buckets[fingerprint] {
            for key in keys.reversed() {
                guard found.count < limit else { break }
                if let entry = entries[key] { found.append(entry) }
            }
            return found
        }
        for item in log.reversed() {
            guard found.count < limit else { break }
            if let entry = entries[item.key], entry.sequence == item.sequence { found.append(entry) }
        }
        return found
    }
}
