import Dispatch
import Testing
@testable import TapedeckSystem
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct SQLiteConnectionsTests {
    /// A write holding the writer (as one waiting up to the busy timeout for another process's lock does) does not
    /// hold up reads: they run on reader connections of their own and see every commit made before them.
    @Test func readsRunWhileTheWriterIsHeld() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let shared = CassetteFixtures.cassette("shared"), scoped = CassetteFixtures.cassette("scoped")
        try store.save(shared)
        let team = try store.namespaceStore("team")
        try team.save(scoped)

        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), released = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? store.locked { _ in
                holding.signal()
                release.wait()
            }
            released.signal()
        }
        holding.wait()
        // Every read answers while the writer is held; had one waited for it, this would never finish.
        #expect(try store.load(shared.key)?.key == shared.key)
        #expect(try team.load(scoped.key)?.key == scoped.key)
        #expect(try store.load(scoped.key) == nil)
        #expect(try store.count() == 1)
        #expect(try store.entries().map(\.key) == [shared.key])
        #expect(try store.namespaces() == ["team"])
        #expect(try store.usage().isEmpty)
        release.signal()
        released.wait()
        // One reader served them all, one after another, and is kept for the next read.
        #expect(store.readerCount == 1)
    }

    @Test func concurrentReadsOpenAReaderEachAndKeepThem() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let cassette = CassetteFixtures.cassette("read by many")
        try store.save(cassette)
        let found = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            if (try? store.load(cassette.key)) != nil { found.withLock { $0 += 1 } }
        }
        #expect(found.withLock { $0 } == 64)
        #expect((1...64).contains(store.readerCount))
        // A commit after the readers opened is seen by them.
        let later = CassetteFixtures.cassette("saved later")
        try store.save(later)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if (try? store.load(later.key)) != nil { found.withLock { $0 += 1 } }
        }
        #expect(found.withLock { $0 } == 72)
    }
}
