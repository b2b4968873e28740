import Testing
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// A store that counts how often usage is written, and can be told to fail.
final class CountingStore: CassetteStore, @unchecked Sendable {
    let inner: JSONFileStore
    let writes = Mutex(0)
    let failing = Mutex(false)

    init(_ inner: JSONFileStore) { self.inner = inner }

    var description: String { inner.description }
    var isReadOnly: Bool { inner.isReadOnly }
    func load(_ key: CacheKey) throws(CassetteError) -> Cassette? { try inner.load(key) }
    func encode(_ cassette: Cassette) -> [UInt8] { inner.encode(cassette) }
    func save(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError) { try inner.save(cassette, encoded: encoded) }
    func count() throws(CassetteError) -> Int { try inner.count() }
    func entries() throws(CassetteError) -> [StoreEntry] { try inner.entries() }
    func remove(_ key: CacheKey) throws(CassetteError) -> Bool { try inner.remove(key) }
    func usage() throws(CassetteError) -> UsageCounts { try inner.usage() }
    func namespace(_ name: String) throws(CassetteError) -> CassetteStore { try inner.namespace(name) }
    func namespaces() throws(CassetteError) -> [String] { try inner.namespaces() }
    func addUsage(_ batch: UsageCounts) throws(CassetteError) {
        if failing.withLock({ $0 }) { throw .malformed("told to fail") }
        writes.withLock { $0 += 1 }
        try inner.addUsage(batch)
    }
}

@Suite struct UsageLedgerTests {
    /// Saves `cassette` in `store` (hits count only for stored cassettes) and returns its key.
    private func stored(_ cassette: Cassette, in store: CassetteStore) throws -> CacheKey {
        try store.save(cassette)
        return cassette.key
    }

    @Test func manyHitsAreOneWriteAndCountExactly() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = CountingStore(JSONFileStore(directory: scratch.path))
        let ledger = UsageLedger(store: store, log: ProcessLog(enabled: false))
        let a = try stored(CassetteFixtures.cassette("a"), in: store), b = try stored(CassetteFixtures.cassette("b"), in: store)
        for _ in 0..<1000 { ledger.hit(a) }
        ledger.hit(b)
        ledger.miss(model: "m")
        ledger.miss(model: "m")
        #expect(store.writes.withLock { $0 } == 0, "nothing is written per hit")
        ledger.stop()
        #expect(store.writes.withLock { $0 } == 1)
        let usage = try store.usage()
        #expect(usage.hits[a]?.count == 1000)
        #expect(usage.hits[b]?.count == 1)
        #expect(usage.misses == ["m": 2])
    }

    @Test func aFailedFlushKeepsTheCountsForTheNextOne() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = CountingStore(JSONFileStore(directory: scratch.path))
        let ledger = UsageLedger(store: store, log: ProcessLog(enabled: false))
        let key = try stored(CassetteFixtures.cassette(), in: store)
        store.failing.withLock { $0 = true }
        ledger.hit(key)
        ledger.flush()
        store.failing.withLock { $0 = false }
        ledger.hit(key)
        ledger.flush()
        #expect(try store.usage().hits[key]?.count == 2)
    }

    @Test func theRunningThreadFlushesOnStop() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = CountingStore(JSONFileStore(directory: scratch.path))
        let ledger = UsageLedger(store: store, log: ProcessLog(enabled: false), intervalSeconds: 3600)
        ledger.start()
        let key = try stored(CassetteFixtures.cassette(), in: store)
        ledger.hit(key)
        ledger.stop()
        #expect(try store.usage().hits[key]?.count == 1)
    }
}

@Suite struct UsageLedgerNamespaceTests {
    /// A namespaced hit used to be added to the shared counts, where SQLite's UPDATE found no row and dropped it.
    @Test(arguments: ["json", "sqlite"])
    func hitsAndMissesLandInTheirNamespace(_ kind: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store: CassetteStore = kind == "json" ? JSONFileStore(directory: scratch("cassettes")) : try SQLiteStore(path: scratch("tapes.db"))
        let checkout = try store.namespace("checkout")
        let shared = CassetteFixtures.cassette("shared"), scoped = CassetteFixtures.cassette("scoped")
        try store.save(shared)
        try checkout.save(scoped)
        let ledger = UsageLedger(store: store, log: ProcessLog(enabled: false))
        ledger.hit(shared.key)
        for _ in 0..<3 { ledger.hit(scoped.key, namespace: "checkout") }
        ledger.miss(model: "m", namespace: "checkout")
        ledger.stop()
        #expect(try checkout.usage().hits[scoped.key]?.count == 3)
        #expect(try checkout.usage().misses == ["m": 1])
        #expect(try store.usage().hits[shared.key]?.count == 1)
        #expect(try store.usage().hits[scoped.key] == nil)
        #expect(try store.usage().misses.isEmpty)
    }
}
