import Testing
import TapedeckCodec
import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// A value written in pieces into a row inserted with a `zeroblob`: whole when committed, gone when rolled back.
@Suite struct SQLiteBlobTests {
    /// A database with one rowid table whose row 1 holds a zeroblob of `size` bytes.
    static func database(_ scratch: ScratchDirectory, size: Int) throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: scratch("blob.db"))
        try database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
        try database.execute("INSERT INTO t(id, value) VALUES(1, zeroblob(\(size)))")
        return database
    }

    @Test func piecesWrittenAtTheirOffsetsMakeTheWholeValue() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let value = patternBytes(count: 300_000)
        let database = try Self.database(scratch, size: value.count)
        let blob = try SQLiteBlob(database, table: "t", column: "value", rowid: 1)
        #expect(blob.size == value.count)
        // Uneven pieces, the last one short.
        var offset = 0
        for length in [1, 4095, 65_536, 100_000] + [Int](repeating: 50_000, count: 3) {
            let end = min(offset + length, value.count)
            try value[offset..<end].withUnsafeBytes { try blob.write($0, at: offset) }
            offset = end
        }
        #expect(offset == value.count)
        try blob.close()
        let stored = try database.prepare("SELECT value FROM t WHERE id = 1")
        let bytes = try stored.use { statement throws(SQLiteError) -> [UInt8] in
            _ = try statement.step()
            return statement.bytes(at: 0)
        }
        #expect(bytes == value)
    }

    @Test func aWritePastTheEndFailsAndWritesNothing() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let database = try Self.database(scratch, size: 10)
        let blob = try SQLiteBlob(database, table: "t", column: "value", rowid: 1)
        let error = #expect(throws: SQLiteError.self) {
            try [UInt8](repeating: 7, count: 4).withUnsafeBytes { try blob.write($0, at: 8) }
        }
        #expect(error?.description.contains("4 bytes at 8 do not fit in 10") == true)
        try blob.close()
        #expect(try SQLiteFixtures.text("SELECT hex(value) FROM t", on: scratch("blob.db")) == String(repeating: "00", count: 10))
    }

    @Test func aRowThatIsNotThereCannotBeOpened() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let database = try Self.database(scratch, size: 10)
        let error = #expect(throws: SQLiteError.self) { try SQLiteBlob(database, table: "t", column: "value", rowid: 2) }
        #expect(error?.context == "write t.value of row 2")
    }

    @Test func aSpooledReRecordingReplacesTheDocumentAndKeepsTheCounts() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileIO.makeDirectories(scratch("spool"))
        let store = try SQLiteStore(path: SQLiteFixtures.path(scratch))
        let first = CassetteLayoutTests.streamCassette()
        try store.save(first)
        try store.addUsage(UsageCounts(hits: [first.key: .init(count: 3, lastHitAt: 9)]))

        let events = CassetteLayoutTests.events + (0..<20).map { index in
            StreamEvent(type: "contentBlockDelta", payload: .object([
                JSONMember("delta", .object([JSONMember("text", .string(String(repeating: "x\(index)", count: 30_000)))])),
                JSONMember("contentBlockIndex", .number("0")),
            ]), offsetMs: 100 + index)
        }
        var again = CassetteLayoutTests.streamCassette(events)
        again.recordedAt = "2030-01-01T00:00:00Z"
        let spool = try EventSpoolTests.spool(events, for: store, in: scratch("spool"))
        var framed = again
        framed.response.content = .events([])
        _ = try store.saveVisible(framed, spooled: spool)

        let loaded = try #require(try store.load(first.key))
        #expect(store.encode(loaded) == store.encode(again))
        #expect(loaded.recordedAt == "2030-01-01T00:00:00Z")
        #expect(try store.usage().hits[first.key] == .init(count: 3, lastHitAt: 9))
        #expect(try SQLiteFixtures.rows("SELECT count(*), typeof(document) FROM cassettes", on: store.path) == [["1", "blob"]])
        #expect(try store.count() == 1)
    }
}
