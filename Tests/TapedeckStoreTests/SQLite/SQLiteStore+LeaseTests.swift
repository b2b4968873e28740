import Testing
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

/// The SQLite store's `leases` rows: what they hold, and that they keep to a connection of their own.
@Suite struct SQLiteStoreLeaseTests {
    static let key = CassetteFixtures.cassette().key
    static let bound: Int64 = 60_000

    @Test func aLeaseRowNamesItsOwnerAndNamespace() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        guard case .acquired(let lease) = try store.namespace("team").acquireLease(Self.key, staleAfterMs: Self.bound) else {
            Issue.record("the first lease is granted")
            return
        }
        let here = ProcessIdentity.current
        #expect(try SQLiteFixtures.rows("SELECT namespace, key, pid, start_ticks, boot_id, host, token, acquired_at_ms FROM leases", on: path) == [[
            "team", Self.key.hex, "\(here.pid)", "\(here.startTicks)", here.bootId, here.host, lease.token, "\(lease.acquiredAtMs)",
        ]])
        try store.namespace("team").releaseLease(lease)
        #expect(try SQLiteFixtures.rows("SELECT count(*) FROM leases", on: path) == [["0"]])
    }

    @Test func leasesUseAConnectionOfTheirOwnSoTheStoresStatementsStayAsTheyWere() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let compiled = store.preparedStatementCount
        for _ in 0..<3 {
            guard case .acquired(let lease) = try store.acquireLease(Self.key, staleAfterMs: Self.bound) else {
                Issue.record("a released lease is granted again")
                return
            }
            try store.releaseLease(lease)
        }
        #expect(store.preparedStatementCount == compiled)
    }
}
