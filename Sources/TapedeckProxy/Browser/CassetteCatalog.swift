import TapedeckSystem
import TapedeckBedrock
import TapedeckStore
/// What the browser's list shows of each cassette, read through `CassetteStore` only and remembered per stored
/// version, so listing a large store again costs a `stat` per cassette rather than a read and a parse.
final class CassetteCatalog: Sendable {
    /// One cassette as a list row shows it.
    struct Summary: Sendable, Equatable {
        var key: CacheKey
        /// "" is the shared namespace.
        var namespace: String
        var model: String
        var operation: BedrockOperation
        var firstUserWords: String
        var recordedAt: String
        /// The tokens the recorded answer reported; nil when it reported none.
        var usage: TokenUsage?

        /// The row of `cassette`, found in `namespace`.
        init(_ cassette: Cassette, namespace: String) {
            key = cassette.key
            self.namespace = namespace
            model = cassette.modelId
            operation = cassette.operation
            firstUserWords = cassette.firstUserWords(12)
            recordedAt = cassette.recordedAt
            usage = TokenUsage(of: cassette)
        }
    }

    /// The summaries of one namespace, and how many of its cassettes could not be read.
    struct Listing: Sendable {
        var summaries: [Summary]
        var unreadable: Int
    }

    private struct Slot: Hashable, Sendable {
        let namespace: String
        let key: CacheKey
    }

    /// Summaries kept at most (a few hundred bytes each); when full the cache starts over.
    private let capacity: Int
    private let kept = Mutex([Slot: (version: CassetteVersion, summary: Summary)]())

    /// Creates an empty catalog remembering up to `capacity` summaries.
    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    /// Every readable cassette of `store` (the view of `namespace`); a cassette removed while listing is skipped.
    func listing(of store: CassetteStore, namespace: String) throws(CassetteError) -> Listing {
        var listing = Listing(summaries: [], unreadable: 0)
        for entry in try store.entries() {
            do {
                let version = try store.version(of: entry.key)
                let slot = Slot(namespace: namespace, key: entry.key)
                if let version, let summary = kept.withLock({ $0[slot] }).flatMap({ $0.version == version ? $0.summary : nil }) {
                    listing.summaries.append(summary)
                    continue
                }
                guard let cassette = try store.load(entry.key) else { continue }
                let summary = Summary(cassette, namespace: namespace)
                listing.summaries.append(summary)
                if let version { keep(summary, version: version, slot: slot) }
            } catch {
                // `tapedeck verify` names what is wrong with it; the list counts it and goes on.
                listing.unreadable += 1
            }
        }
        return listing
    }

    private func keep(_ summary: Summary, version: CassetteVersion, slot: Slot) {
        kept.withLock { kept in
            if kept.count >= capacity { kept.removeAll(keepingCapacity: true) }
            kept[slot] = (version, summary)
        }
    }
}
