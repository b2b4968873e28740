import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
@testable import TapedeckStore
import TapedeckSystem
import TapedeckTestSupport

/// The PostgreSQL store against a real server the suite starts (`PostgresServer`), each test in a database of its own.
@Suite(.enabled(if: PostgresServer.isAvailable, "needs PostgreSQL's server binaries (make test installs them)"))
struct PostgresStoreTests {
    private func store() throws -> (PostgresServer, String, PostgresStore) {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        return (server, url, try PostgresStore(url: url))
    }

    @Test func everyKindOfCassetteRoundTripsAndLoadsAsFromAJSONFileStore() throws {
        let (_, _, store) = try store()
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let files = JSONFileStore(directory: scratch("json"))
        let kinds = SQLiteFixtures.everyKind
        for cassette in kinds {
            try store.save(cassette)
            try files.save(cassette)
        }
        for cassette in kinds {
            let loaded = try #require(try store.load(cassette.key))
            #expect(loaded == CassetteFixtures.asLoaded(cassette))
            #expect(try files.load(cassette.key) == loaded)
        }
        #expect(try store.count() == kinds.count)
        #expect(try store.entries().map(\.key) == kinds.map(\.key).sorted { $0.hex < $1.hex })
    }

    @Test func aTenMegabyteBodyRoundTripsByteForByte() throws {
        let (server, url, store) = try store()
        // Every byte value, as an image's base64 would not give: the document holds it escaped as JSON text.
        var generator = SystemRandomNumberGenerator()
        let image = (0..<(10 * 1024 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Base64.encode(image)
        let cassette = CassetteFixtures.cassette(text, answer: "a picture")
        let encoded = store.encode(cassette)
        try store.save(cassette, encoded: encoded)
        // Read by another connection, and by psql: the stored bytes are the encoded bytes.
        let loaded = try #require(try PostgresStore(url: url).load(cassette.key))
        #expect(loaded == CassetteFixtures.asLoaded(cassette))
        #expect(store.encode(loaded) == encoded)
        let database = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        let stored = try server.psql("SELECT octet_length(document), md5(document) FROM tapedeck_cassettes", database: database)
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == "\(encoded.count)|\(md5Hex(encoded))")
    }

    @Test func anEmptyDatabaseLoadsNothingAndNamesItselfWithoutThePassword() throws {
        let (server, _, store) = try store()
        #expect(try store.load(CassetteFixtures.cassette().key) == nil)
        #expect(try store.version(of: CassetteFixtures.cassette().key) == nil)
        #expect(try store.count() == 0)
        #expect(try store.entries() == [])
        #expect(try store.remove(CassetteFixtures.cassette().key) == false)
        #expect(try store.namespaces() == [])
        #expect(!store.description.contains(server.password))
        #expect(store.description.hasPrefix("postgres://tapedeck:***@127.0.0.1:\(server.port)/t_"))
        #expect(!store.location(of: CassetteFixtures.cassette().key).contains(server.password))
    }

    @Test func overwritingReplacesTheCassetteKeepsItsHitsAndChangesItsVersion() throws {
        let (_, url, store) = try store()
        var cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        let first = try #require(try store.version(of: cassette.key))
        #expect(try store.version(of: cassette.key) == first)
        try store.addUsage(UsageCounts(hits: [cassette.key: .init(count: 3, lastHitAt: 1_700_000_000)]))
        cassette.recordedAt = "2027-01-02T03:04:05Z"
        // Re-recorded through another process's store: this one sees a new version at once.
        try PostgresStore(url: url).save(cassette)
        #expect(try store.version(of: cassette.key) != first)
        #expect(try store.load(cassette.key)?.recordedAt == "2027-01-02T03:04:05Z")
        #expect(try store.usage().hits[cassette.key] == .init(count: 3, lastHitAt: 1_700_000_000))
        #expect(try store.remove(cassette.key))
        #expect(try store.load(cassette.key) == nil)
        #expect(try store.version(of: cassette.key) == nil)
    }

    @Test func namespacesKeepTheirOwnCassettesAndCounts() throws {
        let (_, _, store) = try store()
        let shared = CassetteFixtures.cassette("shared")
        let own = CassetteFixtures.cassette("own")
        try store.save(shared)
        let a = try store.namespace("test_a")
        let b = try store.namespace("test_b")
        try a.save(own)
        try b.save(own)
        try b.save(shared)
        #expect(try store.namespaces() == ["test_a", "test_b"])
        #expect(try store.count() == 1)
        #expect(try a.count() == 1)
        #expect(try b.count() == 2)
        #expect(try store.load(own.key) == nil)
        #expect(try a.load(own.key) != nil)
        #expect(a.description.hasSuffix("(namespace test_a)"))
        #expect(try a.namespace("test_b").count() == 2)
        try a.addUsage(UsageCounts(hits: [own.key: .init(count: 2, lastHitAt: 5)], misses: ["m": 1]))
        #expect(try b.usage() == UsageCounts())
        #expect(try a.usage().misses == ["m": 1])
        #expect(try a.remove(own.key))
        #expect(try b.load(own.key) != nil)
        #expect(try store.namespaces() == ["test_b"])
    }

    @Test func usageFromSeveralProcessesAddsUp() throws {
        let (_, url, store) = try store()
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        let other = try PostgresStore(url: url)
        try store.addUsage(UsageCounts(hits: [cassette.key: .init(count: 2, lastHitAt: 100)], misses: ["model-a": 1]))
        try other.addUsage(UsageCounts(hits: [cassette.key: .init(count: 5, lastHitAt: 90)], misses: ["model-a": 2, "model-b": 1]))
        let usage = try store.usage()
        #expect(usage.hits[cassette.key] == .init(count: 7, lastHitAt: 100))
        #expect(usage.misses == ["model-a": 3, "model-b": 1])
        // A hit for a cassette removed since is dropped, not an error.
        _ = try store.remove(cassette.key)
        try other.addUsage(UsageCounts(hits: [cassette.key: .init(count: 1, lastHitAt: 200)]))
        #expect(try store.usage().hits.isEmpty)
    }

    @Test func aLeaseIsHeldByOneStoreAtATimeAndTakenOverWhenStale() throws {
        let (_, url, store) = try store()
        let other = try PostgresStore(url: url)
        let key = CassetteFixtures.cassette().key
        guard case .acquired(let lease) = try store.acquireLease(key, staleAfterMs: 60_000) else {
            Issue.record("the first lease was not granted")
            return
        }
        #expect(lease.isShared)
        #expect(try other.acquireLease(key, staleAfterMs: 60_000) == .heldByAnother(lease))
        // Another namespace's lease on the same key is its own.
        guard case .acquired = try other.namespace("test_ns").acquireLease(key, staleAfterMs: 60_000) else {
            Issue.record("a namespace shared a lease with the shared store")
            return
        }
        try store.releaseLease(lease)
        guard case .acquired(let second) = try other.acquireLease(key, staleAfterMs: 60_000) else {
            Issue.record("a released lease was not granted")
            return
        }
        // An old lease is stale: taken over, and its first owner's release leaves the new one.
        guard case .acquired(let third) = try store.acquireLease(key, staleAfterMs: -1) else {
            Issue.record("a stale lease was not taken over")
            return
        }
        try other.releaseLease(second)
        #expect(try other.acquireLease(key, staleAfterMs: 60_000) == .heldByAnother(third))
        #expect(try store.count() == 0)
    }

    @Test func identicalConcurrentLeaseRequestsGrantExactlyOne() throws {
        let (_, url, _) = try store()
        let stores = try (0..<8).map { _ in try PostgresStore(url: url) }
        let key = CassetteFixtures.cassette().key
        let granted = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 32) { index in
            if case .acquired? = try? stores[index % stores.count].acquireLease(key, staleAfterMs: 60_000) {
                granted.withLock { $0 += 1 }
            }
        }
        #expect(granted.withLock { $0 } == 1)
    }

    @Test func aReadOnlyOpenOfAnEmptyDatabaseIsAMissingStoreAndCreatesNothing() throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        #expect {
            _ = try PostgresStore(url: url, create: false)
        } throws: { error in
            guard case CassetteError.missingStore(let location)? = error as? CassetteError else { return false }
            return !location.contains(server.password)
        }
        let database = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        #expect(try server.psql("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'tapedeck%'", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func aVersionOneDatabaseGainsTheChangeTriggerAndKeepsItsCassettes() throws {
        let (server, url, store) = try store()
        let cassette = CassetteFixtures.cassette("kept across the migration")
        try store.save(cassette)
        let database = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        try server.psql("""
            DROP TRIGGER tapedeck_cassettes_changed ON tapedeck_cassettes; DROP FUNCTION tapedeck_notify_change();
            UPDATE tapedeck_schema SET version = 1
            """, database: database)
        let migrated = try PostgresStore(url: url)
        #expect(try server.psql("SELECT version FROM tapedeck_schema", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        #expect(try server.psql("SELECT count(*) FROM pg_trigger WHERE tgname = 'tapedeck_cassettes_changed'", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try migrated.load(cassette.key) == CassetteFixtures.asLoaded(cassette))
    }

    @Test func aNewerSchemaIsRefusedAndLeftAsItIs() throws {
        let (server, url, _) = try store()
        let database = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        try server.psql("UPDATE tapedeck_schema SET version = 99", database: database)
        #expect {
            _ = try PostgresStore(url: url)
        } throws: { error in
            "\(error)".contains("has schema version 99, written by a newer Tapedeck; this one knows up to \(PostgresSchema.currentVersion)")
                && !"\(error)".contains(server.password)
        }
        #expect(try server.psql("SELECT version FROM tapedeck_schema", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "99")
    }

    @Test func aWrongPasswordOrAnAbsentServerFailsWithoutShowingThePassword() throws {
        let server = try PostgresServer.shared()
        let url = try server.newDatabase()
        let wrong = url.replacingOccurrences(of: server.password, with: "Wrong-Pass-4711")
        #expect {
            _ = try PostgresStore(url: wrong)
        } throws: { error in
            let text = "\(error)"
            return text.contains("password authentication failed") && !text.contains("Wrong-Pass-4711") && text.contains("tapedeck:***@")
        }
        let nowhere = "postgres://tapedeck:\(server.password)@127.0.0.1:1/none?connect_timeout=2"
        #expect {
            _ = try PostgresStore(url: nowhere)
        } throws: { error in
            let text = "\(error)"
            return text.contains("connect") && !text.contains(server.password)
        }
    }

    @Test func theStoreReconnectsAfterTheServerClosesItsConnections() throws {
        let (server, url, store) = try store()
        let cassette = CassetteFixtures.cassette()
        try store.save(cassette)
        #expect(store.pool.idleCount == 1)
        let database = String(url[url.index(after: url.lastIndex(of: "/")!)...])
        try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()")
        #expect(try store.load(cassette.key) != nil)
        #expect(try store.count() == 1)
    }
}

/// The MD5 of `bytes` in hex, as PostgreSQL's `md5()` prints it (computed with the md5sum tool).
private func md5Hex(_ bytes: [UInt8]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/md5sum")
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try? process.run()
    let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
    writer.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(32))
}
