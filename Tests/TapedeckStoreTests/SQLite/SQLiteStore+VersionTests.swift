import Testing
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// A SQLite file's version moves with every commit, by this connection or another process's, and only then; the
/// watch on its directory sees the same commits.
@Suite struct SQLiteStoreVersionTests {
    @Test func theVersionMovesWithEveryCommitAndOnlyThen() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let cassette = CassetteFixtures.cassette("versioned")
        try store.save(cassette)
        let first = try #require(try store.version(of: cassette.key))
        #expect(try store.version(of: cassette.key) == first, "reading changes nothing")
        _ = try store.load(cassette.key)
        #expect(try store.version(of: cassette.key) == first)

        let other = try SQLiteStore(path: path)
        try other.save(CassetteFixtures.cassette("another one"))
        let second = try #require(try store.version(of: cassette.key))
        #expect(second != first, "another connection's commit")
        #expect(try other.remove(cassette.key))
        #expect(try store.version(of: cassette.key) != second, "a removal")
    }

    @Test func aStampHoldsUntilAnyConnectionCommits() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let store = try SQLiteStore(path: path)
        let cassette = CassetteFixtures.cassette("stamped")
        try store.save(cassette)
        // Opening a reader connection touches the WAL index; reads on it afterwards change nothing.
        _ = try store.load(cassette.key)
        let stamp = try #require(store.changeStamp(for: cassette.key))
        let version = try #require(try store.version(of: cassette.key))
        for _ in 0..<3 { _ = try store.load(cassette.key) }
        #expect(store.isUnchanged(cassette.key, version: version, since: stamp), "a read is no change")
        try SQLiteStore(path: path).addUsage(UsageCounts(hits: [cassette.key: .init(count: 1, lastHitAt: 1)]))
        #expect(!store.isUnchanged(cassette.key, version: version, since: stamp), "another connection's commit")
        let view = try store.namespaceStore("tests")
        let again = try #require(view.changeStamp(for: cassette.key))
        #expect(view.isUnchanged(cassette.key, version: version, since: again))
        try store.save(CassetteFixtures.cassette("shared by every view"))
        #expect(!view.isUnchanged(cassette.key, version: version, since: again), "one watch serves every view of the file")
    }

    @Test func theDirectoryOfAPath() {
        #expect(SQLiteStore.directory(of: "tapes.db") == ".")
        #expect(SQLiteStore.directory(of: "/tapes.db") == "/")
        #expect(SQLiteStore.directory(of: "a/b/tapes.db") == "a/b")
        #expect(SQLiteStore.directory(of: "/tmp/x/tapes.db") == "/tmp/x")
    }
}
