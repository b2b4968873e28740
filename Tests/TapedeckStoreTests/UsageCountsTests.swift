import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct UsageCountsTests {
    @Test func addingSumsCountsAndKeepsTheLatestHit() {
        let key = CassetteFixtures.cassette().key
        var counts = UsageCounts(hits: [key: .init(count: 2, lastHitAt: 100)], misses: ["a": 1])
        counts.add(UsageCounts(hits: [key: .init(count: 3, lastHitAt: 50)], misses: ["a": 2, "b": 1]))
        #expect(counts.hits[key] == .init(count: 5, lastHitAt: 100))
        #expect(counts.misses == ["a": 3, "b": 1])
    }

    @Test func theJSONFormRoundTripsAndRefusesGarbage() throws {
        let key = CassetteFixtures.cassette().key
        let counts = UsageCounts(hits: [key: .init(count: 7, lastHitAt: 1_764_000_000)], misses: ["model:x": 4])
        #expect(try UsageCounts(json: try JSONParser.parse(JSONWriter.pretty(counts.jsonValue))) == counts)
        #expect(throws: CassetteError.self) { try UsageCounts(json: try JSONParser.parse(#"{"hits": {"nothex": {"count": 1, "lastHitAt": 1}}}"#)) }
        #expect(throws: CassetteError.self) { try UsageCounts(json: try JSONParser.parse(#"{"misses": {"m": "x"}}"#)) }
    }

    @Test func theJSONStoreKeepsUsageBesideTheCassettesAcrossInstances() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        let first = JSONFileStore(directory: scratch.path), second = JSONFileStore(directory: scratch.path)
        try first.save(cassette)
        let before = first.fileBytes(cassette.key)
        try first.addUsage(UsageCounts(hits: [cassette.key: .init(count: 1, lastHitAt: 10)]))
        try second.addUsage(UsageCounts(hits: [cassette.key: .init(count: 2, lastHitAt: 20)], misses: ["m": 1]))
        #expect(try first.usage() == UsageCounts(hits: [cassette.key: .init(count: 3, lastHitAt: 20)], misses: ["m": 1]))
        #expect(first.fileBytes(cassette.key) == before, "hits never rewrite a cassette file")
        #expect(try first.count() == 1, "the usage file is not a cassette")
    }

    /// Found with the cassette fuzz target (it adds hits to the usage file it loads, as `serve` does): a count of Int.max
    /// in `.tapedeck-usage.json` made the next addition trap, crashing the server that flushed its hits.
    @Test func countsAtTheLimitOfIntStayThereInsteadOfCrashing() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let key = CassetteFixtures.cassette().key
        try store.save(CassetteFixtures.cassette())
        try CassetteFixtures.write(Array("""
            {"hits": {"\(key.hex)": {"count": 9223372036854775807, "lastHitAt": 10}}, "misses": {"m": 9223372036854775807}}
            """.utf8), to: store.usagePath)
        try store.addUsage(UsageCounts(hits: [key: .init(count: 1, lastHitAt: 20)], misses: ["m": 1]))
        #expect(try store.usage() == UsageCounts(hits: [key: .init(count: .max, lastHitAt: 20)], misses: ["m": .max]))
        var counts = UsageCounts(misses: ["n": .max])
        counts.miss(model: "n")
        counts.add(UsageCounts(misses: ["n": .min]))
        #expect(counts.misses == ["n": -1], "saturated at Int.max, then Int.min added")
    }

    @Test func entriesAndRemove() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let a = CassetteFixtures.cassette("a"), b = CassetteFixtures.cassette("b")
        try store.save(a)
        try store.save(b)
        #expect(try store.entries().map(\.key) == [a.key, b.key].sorted { $0.hex < $1.hex })
        #expect(try store.entries().allSatisfy { $0.location == store.path(for: $0.key) })
        #expect(try store.remove(a.key))
        #expect(try !store.remove(a.key))
        #expect(try store.load(a.key) == nil)
        #expect(try store.count() == 1)
    }

    /// The JSON store's counts live in a file of their own; removing a cassette takes its hits out of it, and hits
    /// counted for a cassette no longer there are dropped, as the SQLite store does (SQLiteStoreUsageTests).
    @Test func hitsForACassetteNoLongerStoredAreDroppedAndRemovingDropsItsHits() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let kept = CassetteFixtures.cassette("kept"), removed = CassetteFixtures.cassette("removed")
        try store.save(kept)
        try store.save(removed)
        try store.addUsage(UsageCounts(hits: [kept.key: .init(count: 4, lastHitAt: 1), removed.key: .init(count: 1, lastHitAt: 1)]))
        #expect(try store.remove(removed.key))
        #expect(try store.usage() == UsageCounts(hits: [kept.key: .init(count: 4, lastHitAt: 1)]))
        let never = CassetteFixtures.cassette("never saved")
        try store.addUsage(UsageCounts(
            hits: [kept.key: .init(count: 1, lastHitAt: 9), removed.key: .init(count: 2, lastHitAt: 9), never.key: .init(count: 1, lastHitAt: 9)],
            misses: ["m": 1]))
        #expect(try store.usage() == UsageCounts(hits: [kept.key: .init(count: 5, lastHitAt: 9)], misses: ["m": 1]))
        // Saving it again starts from zero.
        try store.save(removed)
        #expect(try store.usage().hits[removed.key] == nil)
    }
}

extension JSONFileStore {
    func fileBytes(_ key: CacheKey) -> [UInt8]? {
        do { return try FileIO.readIfPresent(path(for: key), limit: 1 << 30) } catch { return nil }
    }
}
