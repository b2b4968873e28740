import Dispatch
import Foundation
import Testing
@testable import TapedeckSystem
@testable import TapedeckProxy
@testable import TapedeckStore
import TapedeckBedrock
import TapedeckTestSupport

/// A warm hit is answered from memory on the event loop; anything the store's watch cannot vouch for still takes
/// a reader, so a cassette changed on disk is never answered from memory.
@Suite struct ProxyEngineWarmHitTests {
    static func body(_ text: String) -> String {
        #"{"messages": [{"role": "user", "content": [{"text": "\#(text)"}]}]}"#
    }

    /// Holds every reader thread of `engine` until `release` runs.
    static func holdReaders(_ engine: ProxyEngine) -> () -> Void {
        let held = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
        let count = engine.readers.threadCount
        for _ in 0..<count {
            engine.readers.submit {
                held.signal()
                gate.wait()
            }
        }
        for _ in 0..<count { held.wait() }
        return { for _ in 0..<count { gate.signal() } }
    }

    /// Sends `body` from a thread of its own and returns once the request waits in the readers' queue, behind the
    /// held readers; the answer lands in the returned box once a reader takes it.
    static func sendBehindHeldReaders(_ proxy: ProxyHarness, body: String) -> Mutex<RawResponse?> {
        let answer = Mutex<RawResponse?>(nil)
        let client = Thread {
            let response = try? proxy.post(ProxyHarness.haikuPath, body: body)
            answer.withLock { $0 = response }
        }
        client.start()
        #expect(waitUntil { proxy.engine.readers.unfinishedCount == proxy.engine.readers.threadCount + 1 })
        #expect(answer.withLock { $0 } == nil, "no reader has taken it yet")
        return answer
    }

    @Test func aWarmHitNeedsNoReaderAndAChangedCassetteWaitsForOne() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        // Two cassettes in different shard directories: a change in one leaves the other's stamp alone.
        let warmBody = Self.body("warm")
        let warmKey = try #require(try proxy.post(ProxyHarness.haikuPath, body: warmBody).headers["x-tapedeck-key"])
        var changedBody = "", changedKey = ""
        for index in 0..<64 {
            changedBody = Self.body("changed \(index)")
            changedKey = try #require(try proxy.post(ProxyHarness.haikuPath, body: changedBody).headers["x-tapedeck-key"])
            if changedKey.prefix(2) != warmKey.prefix(2) { break }
        }
        #expect(changedKey.prefix(2) != warmKey.prefix(2))
        // The first hit of each is looked up on a reader, which keeps its answer with the store's stamp.
        let warmAnswer = try proxy.post(ProxyHarness.haikuPath, body: warmBody)
        _ = try proxy.post(ProxyHarness.haikuPath, body: changedBody)
        #expect(warmAnswer.headers["x-tapedeck"] == "hit")

        let release = Self.holdReaders(proxy.engine)
        var released = false
        defer { if !released { release() } }
        // Every reader is held: this hit is answered from memory, or it is not answered at all.
        let warm = try proxy.post(ProxyHarness.haikuPath, body: warmBody)
        #expect(warm.status == 200 && warm.headers["x-tapedeck"] == "hit")
        #expect(warm.body == warmAnswer.body)

        let path = proxy.cassettePath(forKey: changedKey)
        let text = String(decoding: proxy.fileBytes(path) ?? [], as: UTF8.self)
        try proxy.writeFile(path, Array(text.replacingOccurrences(of: "answer", with: "edited by hand").utf8))
        // The changed cassette's request waits in the readers' queue, behind the held readers ...
        let changed = Self.sendBehindHeldReaders(proxy, body: changedBody)
        // ... while warm hits go on being answered.
        let again = try proxy.post(ProxyHarness.haikuPath, body: warmBody)
        #expect(again.headers["x-tapedeck"] == "hit" && again.body == warmAnswer.body)
        #expect(changed.withLock { $0 } == nil)
        released = true
        release()
        #expect(waitUntil { changed.withLock { $0 } != nil })
        let edited = try #require(changed.withLock { $0 })
        #expect(edited.status == 200 && edited.text.contains("edited by hand"))
    }

    /// Records a cassette and hits it once (a reader keeps its answer with the store's stamp); then, with every
    /// reader held, a warm hit is answered; `remove` takes the cassette away as another process would, and the next
    /// request waits for a reader and is recorded again.
    static func warmHitsThenARemovalElsewhere(_ proxy: ProxyHarness, remove: (CacheKey) throws -> Void) throws {
        let key = try #require(try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).headers["x-tapedeck-key"])
        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(first.headers["x-tapedeck"] == "hit")

        let release = Self.holdReaders(proxy.engine)
        var released = false
        defer { if !released { release() } }
        let warm = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(warm.headers["x-tapedeck"] == "hit" && warm.body == first.body)

        try remove(try #require(CacheKey(hex: key)))
        let after = Self.sendBehindHeldReaders(proxy, body: ProxyHarness.helloBody)
        released = true
        release()
        #expect(waitUntil { after.withLock { $0 } != nil })
        #expect(after.withLock { $0?.headers["x-tapedeck"] } == "miss", "recorded again, not served from memory")
    }

    /// A SQLite store's directory is watched as a JSON store's are: a warm hit needs no reader, and a commit by
    /// another connection (another process's) sends the next request to one.
    @Test func aSQLiteStoreAnswersWarmHitsWithoutAReaderAndSeesAnotherConnectionsCommit() throws {
        let proxy = try ProxyHarness(storeKind: .sqlite)
        defer { proxy.stop() }
        let path = try #require((proxy.engineStore as? SQLiteStore)?.path)
        try Self.warmHitsThenARemovalElsewhere(proxy) { key in
            let removed = try SQLiteStore(path: path).remove(key)
            #expect(removed)
        }
    }

    /// A store that cannot vouch for what it holds (here PostgreSQL without its LISTEN connection) answers every
    /// hit on a reader.
    @Test(.enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
    func aStoreThatCannotVouchAnswersEveryHitOnAReader() throws {
        let store = try PostgresStore(url: try PostgresServer.shared().newDatabase())
        let proxy = try ProxyHarness(engineStore: store)
        defer { proxy.stop() }
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let release = Self.holdReaders(proxy.engine)
        let answer = Self.sendBehindHeldReaders(proxy, body: ProxyHarness.helloBody)
        release()
        #expect(waitUntil { answer.withLock { $0 } != nil })
        #expect(answer.withLock { $0?.headers["x-tapedeck"] } == "hit")
    }

    /// A PostgreSQL store hears of every change (LISTEN): while it listens, a warm hit needs no reader either, and a
    /// cassette another process removed is looked up again.
    @Test(.enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
    func aListeningPostgresStoreAnswersWarmHitsWithoutAReaderAndHearsARemoval() throws {
        let url = try PostgresServer.shared().newDatabase()
        let store = try PostgresStore(url: url)
        store.serveThroughOutages(log: ProcessLog(enabled: false))
        defer { store.stopServing() }
        let parts = try #require(store.serving.withLock { $0 })
        #expect(waitUntil { parts.revisions.listening })
        let proxy = try ProxyHarness(engineStore: store)
        defer { proxy.stop() }
        try Self.warmHitsThenARemovalElsewhere(proxy) { key in
            // Once the removal's notification has come, the next request takes a reader.
            let heard = parts.revisions.heardCount
            let removed = try PostgresStore(url: url).remove(key)
            #expect(removed)
            #expect(waitUntil { parts.revisions.heardCount > heard })
        }
    }
}
