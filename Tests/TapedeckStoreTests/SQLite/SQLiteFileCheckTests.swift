import Foundation
import Testing
@testable import TapedeckStore
import TapedeckTestSupport

/// `SQLiteFileCheck` and the store it guards: a file that is not a Tapedeck store is refused with one line and
/// keeps every byte, its journal mode and its `-wal` and `-shm` neighbours, even while its own program has it open.
@Suite struct SQLiteFileCheckTests {
    /// Every file in `directory` with its bytes.
    private func snapshot(_ directory: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = try CassetteFixtures.read("\(directory)/\(name)")
        }
        return files
    }

    /// Opens the store at `path` and expects it refused as a foreign file; returns the one-line message.
    private func refusal(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let error = #expect(throws: CassetteError.self, sourceLocation: sourceLocation) { try SQLiteStore(path: path) }
        guard case .foreignFile? = error else {
            Issue.record("expected foreignFile, got \(String(describing: error))", sourceLocation: sourceLocation)
            return nil
        }
        return error?.description
    }

    @Test func anAppsLiveWALDatabaseKeepsEveryByteOfItsThreeFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch("app.db")
        // The application is running: its connection holds the file in WAL mode, with its -wal and -shm beside it.
        let app = try SQLiteDatabase(path: path)
        try app.execute("PRAGMA journal_mode=WAL; CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users(name) VALUES('ada');")
        let before = try snapshot(scratch.path)
        #expect(Set(before.keys) == ["app.db", "app.db-wal", "app.db-shm"])
        let message = try #require(refusal(path))
        #expect(message == "\(path) is not a Tapedeck store: it is a SQLite database with no tables and user_version 0; it was left untouched (give --store a new file, or an existing store)",
                "the tables are still in the app's log; the main file alone is read")
        #expect(try snapshot(scratch.path) == before)
        #expect(try app.text("PRAGMA journal_mode") == "wal")
        _ = app
    }

    @Test func anAppsClosedDatabaseIsNamedByItsTablesAndKeepsItsBytesAndJournalMode() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch("app.db")
        try SQLiteFixtures.execute("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE orders(id INTEGER); PRAGMA user_version = 3;", on: path)
        let before = try snapshot(scratch.path)
        #expect(refusal(path)?.contains("it is a SQLite database with tables orders, users and user_version 3") == true)
        #expect(try snapshot(scratch.path) == before)
        #expect(try SQLiteFixtures.text("PRAGMA journal_mode", on: path) == "delete")
    }

    @Test func anotherApplicationsIDIsNamed() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch("geo.gpkg")
        // GeoPackage's id, "GPKG".
        try SQLiteFixtures.execute("PRAGMA application_id = 1196444487; CREATE TABLE cassettes(x);", on: path)
        let before = try snapshot(scratch.path)
        #expect(refusal(path)?.contains("it is the SQLite database of another application (application_id 1196444487)") == true)
        #expect(try snapshot(scratch.path) == before)
    }

    @Test func aFileThatIsNotSQLiteOrIsADirectoryIsRefused() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        for (name, bytes) in [("notes.db", Array("notes\n".utf8)), ("short.db", Array("SQLite format 3\0".utf8))] {
            try CassetteFixtures.write(bytes, to: scratch(name))
            #expect(refusal(scratch(name))?.contains("it is not a SQLite database") == true, "\(name)")
            #expect(try CassetteFixtures.read(scratch(name)) == bytes)
        }
        try FileManager.default.createDirectory(atPath: scratch("dir.db"), withIntermediateDirectories: false)
        #expect(refusal(scratch("dir.db"))?.contains("it is not a regular file") == true)
    }

    @Test func anEmptyFileBecomesAStoreAndAMissingOneOnlyWhenAsked() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write([], to: scratch("touched.db"))
        #expect(try SQLiteFileCheck.check(scratch("touched.db")) == .empty)
        _ = try SQLiteStore(path: scratch("touched.db"))
        #expect(try SQLiteFileCheck.check(scratch("touched.db")) == .store)

        #expect(try SQLiteFileCheck.check(scratch("new.db")) == .missing)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: scratch("new.db"), create: false) }
        #expect(error?.description == "no store at \(scratch("new.db")); serve --mode auto or record creates it")
        #expect(!FileManager.default.fileExists(atPath: scratch("new.db")))
        _ = try SQLiteStore(path: scratch("new.db"), create: true)
        #expect(try SQLiteFileCheck.check(scratch("new.db")) == .store)
    }

    @Test func anEmptyFileWithALogBesideItIsSomeoneElses() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write([], to: scratch("busy.db"))
        try CassetteFixtures.write(Array(repeating: 7, count: 64), to: scratch("busy.db-wal"))
        let before = try snapshot(scratch.path)
        #expect(refusal(scratch("busy.db"))?.contains("non-empty") == true)
        #expect(try snapshot(scratch.path) == before)
    }
}
