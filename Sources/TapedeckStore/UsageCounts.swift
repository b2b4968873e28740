import TapedeckBedrock
/// How often cassettes were used: hits (and the last one) per cassette, misses per model.
public struct UsageCounts: Sendable, Equatable {
    /// Hits of one cassette.
    public struct Hits: Sendable, Equatable {
        public var count: Int
        /// Seconds since the Unix epoch of the latest hit.
        public var lastHitAt: Int

        /// Creates a hit count.
        public init(count: Int, lastHitAt: Int) {
            self.count = count
            self.lastHitAt = lastHitAt
        }
    }

    public var hits: [CacheKey: Hits]
    /// Misses (requests that went upstream) per model id.
    public var misses: [String: Int]

    /// Creates counts.
    public init(hits: [CacheKey: Hits] = [:], misses: [String: Int] = [:]) {
        self.hits = hits
        self.misses = misses
    }

    /// Whether there is nothing to add.
    public var isEmpty: Bool { hits.isEmpty && misses.isEmpty }

    /// Adds `other` to these counts: counts sum (stopping at `Int.max`), the later last-hit time wins.
    public mutating func add(_ other: UsageCounts) {
        for (key, more) in other.hits {
            if let mine = hits[key] {
                hits[key] = Hits(count: mine.count.addingSaturated(more.count), lastHitAt: max(mine.lastHitAt, more.lastHitAt))
            } else {
                hits[key] = more
            }
        }
        for (model, count) in other.misses { misses[model] = (misses[model] ?? 0).addingSaturated(count) }
    }

    /// Records one hit of `key` at `time` (epoch seconds).
    public mutating func hit(_ key: CacheKey, at time: Int) {
        // In place: no dictionary is made per hit (the usual hit finds its key already counted).
        Self.count(&hits[key, default: Hits(count: 0, lastHitAt: time)], at: time)
    }

    private static func count(_ hits: inout Hits, at time: Int) {
        hits.count = hits.count.addingSaturated(1)
        hits.lastHitAt = max(hits.lastHitAt, time)
    }

    /// Records one miss for `model`.
    public mutating func miss(model: String) {
        misses[model] = (misses[model] ?? 0).addingSaturated(1)
    }
}
