import Testing
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckSystem
import TapedeckTestSupport

/// A serving store's view of changes other processes make: what its listener hears keeps its remembered revisions
/// current, so a hit needs no round trip, and a change anywhere reaches it.
@Suite(.enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
struct PostgresStoreServingTests {
    @Test func aServingStoreRemembersRevisionsAndForgetsThemWhenAnotherWriterChangesTheCassette() throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        let serving = try PostgresStore(url: url)
        serving.serveThroughOutages(log: ProcessLog(enabled: false))
        defer { serving.stopServing() }
        let other = try PostgresStore(url: url)
        let cassette = CassetteFixtures.cassette("changed by another writer")
        let slot = serving.slot(cassette.key)
        let parts = try #require(serving.serving.withLock { $0 })
        #expect(waitUntil { parts.revisions.listening })

        #expect(try serving.version(of: cassette.key) == nil)
        #expect(parts.revisions.current(slot) == .some(nil), "no row is remembered too")
        try other.save(cassette)
        #expect(waitUntil { (try? serving.version(of: cassette.key)) != nil }, "the insert was heard")
        let first = try #require(try serving.version(of: cassette.key))
        #expect(parts.revisions.current(slot) != nil, "a hit now needs no round trip")

        try other.save(cassette)
        #expect(waitUntil { (try? serving.version(of: cassette.key)) != first }, "the re-recording was heard")
        #expect(try other.remove(cassette.key))
        #expect(waitUntil { (try? serving.version(of: cassette.key)) == .some(nil) }, "the removal was heard")
        #expect(try serving.load(cassette.key) == nil)
    }

    @Test func hitCountsDoNotNotify() throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        let serving = try PostgresStore(url: url)
        serving.serveThroughOutages(log: ProcessLog(enabled: false))
        defer { serving.stopServing() }
        let parts = try #require(serving.serving.withLock { $0 })
        #expect(waitUntil { parts.revisions.listening })
        let cassette = CassetteFixtures.cassette("counted, not changed")
        try PostgresStore(url: url).save(cassette)
        #expect(waitUntil { (try? serving.version(of: cassette.key)) != nil })
        #expect(waitUntil { parts.revisions.heardCount == 1 })
        var counts = UsageCounts()
        counts.hit(cassette.key, at: 1_700_000_000)
        try PostgresStore(url: url).addUsage(counts)
        // A change saved after the counts: once it is heard, anything the counts notified was heard before it.
        let marker = CassetteFixtures.cassette("a later change")
        try PostgresStore(url: url).save(marker)
        #expect(waitUntil { parts.revisions.heardCount >= 2 })
        #expect(parts.revisions.heardCount == 2, "only the later save was heard, not the counts")
        #expect(parts.revisions.current(serving.slot(cassette.key)) != nil)
    }
}
