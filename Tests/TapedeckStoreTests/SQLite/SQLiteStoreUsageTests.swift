import Testing
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct SQLiteStoreUsageTests {
    @Test func batchesAddUpAndTheLatestHitWins() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        #expect(try store.usage() == UsageCounts())
        let a = CassetteFixtures.cassette("a"), b = CassetteFixtures.cassette("b"), c = CassetteFixtures.cassette("c")
        for cassette in [a, b, c] { try store.save(cassette) }
        try store.addUsage(UsageCounts(hits: [a.key: .init(count: 2, lastHitAt: 200), b.key: .init(count: 1, lastHitAt: 100)],
                                       misses: ["m1": 3]))
        try store.addUsage(UsageCounts(hits: [a.key: .init(count: 5, lastHitAt: 150)], misses: ["m1": 1, "m2 ünï": 4]))
        try store.addUsage(UsageCounts())
        #expect(try store.usage() == UsageCounts(
            hits: [a.key: .init(count: 7, lastHitAt: 200), b.key: .init(count: 1, lastHitAt: 100)],
            misses: ["m1": 4, "m2 ünï": 4]))
        // The counts are in the file, not in the instance.
        #expect(try SQLiteStore(path: SQLiteFixtures.path(scratch)).usage() == (try store.usage()))
    }

    @Test func hitsForACassetteNoLongerStoredAreDroppedAndRemovingDropsItsHits() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let kept = CassetteFixtures.cassette("kept"), removed = CassetteFixtures.cassette("removed")
        try store.save(kept)
        try store.save(removed)
        try store.addUsage(UsageCounts(hits: [removed.key: .init(count: 1, lastHitAt: 1)]))
        #expect(try store.remove(removed.key))
        let never = CassetteFixtures.cassette("never saved")
        try store.addUsage(UsageCounts(
            hits: [kept.key: .init(count: 1, lastHitAt: 9), removed.key: .init(count: 2, lastHitAt: 9), never.key: .init(count: 1, lastHitAt: 9)],
            misses: ["m": 1]))
        #expect(try store.usage() == UsageCounts(hits: [kept.key: .init(count: 1, lastHitAt: 9)], misses: ["m": 1]))
        #expect(try store.count() == 1)
        // Saving it again starts from zero.
        try store.save(removed)
        #expect(try store.usage().hits[removed.key] == nil)
    }

    @Test func twoStoresOnOneFileAddUpUnderConcurrency() async throws {
        // Stands in for two processes: separate connections, nothing shared but the file.
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let cassettes = (0..<5).map { CassetteFixtures.cassette("usage \($0)") }
        let first = try SQLiteStore(path: path)
        for cassette in cassettes { try first.save(cassette) }
        let stores = [first, try SQLiteStore(path: path)]
        let threadsPerStore = 3, batches = 40
        let barrier = Barrier(parties: stores.count * threadsPerStore)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (side, store) in stores.enumerated() {
                for thread in 0..<threadsPerStore {
                    group.addTask {
                        try await onOwnThread {
                            barrier.arriveAndWait()
                            for batch in 0..<batches {
                                var counts = UsageCounts()
                                for cassette in cassettes { counts.hit(cassette.key, at: 1000 * side + 10 * thread + batch % 7) }
                                counts.miss(model: "model \(batch % 3)")
                                try store.addUsage(counts)
                                // A save racing the counts must keep them.
                                if batch % 10 == 0 { try store.save(cassettes[batch % cassettes.count]) }
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(!barrier.timedOut)
        let total = stores.count * threadsPerStore * batches
        let latest = 1000 * (stores.count - 1) + 10 * (threadsPerStore - 1) + 6
        let expected = UsageCounts(
            hits: Dictionary(uniqueKeysWithValues: cassettes.map { ($0.key, UsageCounts.Hits(count: total, lastHitAt: latest)) }),
            misses: ["model 0": 84, "model 1": 78, "model 2": 78])
        #expect(expected.misses.values.reduce(0, +) == total)
        for store in stores { #expect(try store.usage() == expected) }
    }
}
