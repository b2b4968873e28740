import Testing
@testable import Tapedeck

@Suite struct SQLiteSchemaTests {
    /// The first release's layout, written by hand rather than taken from `SQLiteSchema`.
    static let versionOneSQL = """
        CREATE TABLE cassettes(key TEXT PRIMARY KEY, model_id TEXT NOT NULL, operation TEXT NOT NULL,
            recorded_at TEXT NOT NULL, document TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX cassettes_model_id ON cassettes(model_id);
        PRAGMA user_version = 1;
        """

    /// A row insert of `cassette` as the first release wrote it.
    static func versionOneRow(_ cassette: Cassette) -> String {
        let document = String(decoding: JSONWriter.compact(cassette.jsonValue), as: UTF8.self)
        return """
            INSERT INTO cassettes VALUES('\(cassette.key.hex)', \(SQLiteFixtures.quoted(cassette.modelId)), \
            '\(cassette.operation.rawValue)', '\(cassette.recordedAt)', \(SQLiteFixtures.quoted(document)));
            """
    }

    @Test func migrationsAreNumberedInOrder() {
        #expect(SQLiteSchema.migrations.map(\.version) == Array(1...SQLiteSchema.migrations.count))
        #expect(SQLiteSchema.currentVersion == 2)
    }

    @Test func aNewFileGetsTheCurrentLayout() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        _ = try SQLiteStore(path: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "2")
        // name, type, notnull, default, pk (a WITHOUT ROWID table's primary key is NOT NULL by itself)
        let columns = try SQLiteFixtures.rows("SELECT name, type, \"notnull\", ifnull(dflt_value, ''), pk FROM pragma_table_info('cassettes')", on: path)
        #expect(columns == [
            ["key", "TEXT", "1", "", "1"], ["model_id", "TEXT", "1", "", "0"], ["operation", "TEXT", "1", "", "0"],
            ["recorded_at", "TEXT", "1", "", "0"], ["document", "TEXT", "1", "", "0"],
            ["hits", "INTEGER", "1", "0", "0"], ["last_hit_at", "INTEGER", "1", "0", "0"],
        ])
        let misses = try SQLiteFixtures.rows("SELECT name, type, \"notnull\", pk FROM pragma_table_info('misses')", on: path)
        #expect(misses == [["model_id", "TEXT", "1", "1"], ["count", "INTEGER", "1", "0"]])
        let objects = try SQLiteFixtures.rows("SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name", on: path)
        #expect(objects.filter { $0[0] != "index" || !$0[1].hasPrefix("sqlite_autoindex") } == [
            ["table", "cassettes", "cassettes"], ["index", "cassettes_model_id", "cassettes"], ["table", "misses", "misses"],
        ])
        let withoutRowid = try SQLiteFixtures.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID'", on: path)
        #expect(withoutRowid == [["cassettes"], ["misses"]])
    }

    @Test func aVersionOneFileIsMigratedWithItsRowsKept() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let old = SQLiteFixtures.everyKind
        try SQLiteFixtures.execute(Self.versionOneSQL + old.map(Self.versionOneRow).joined(separator: "\n"), on: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "1")

        let store = try SQLiteStore(path: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "2")
        #expect(try store.count() == old.count)
        for cassette in old { #expect(try store.load(cassette.key) == cassette) }
        #expect(try store.usage() == UsageCounts())
        try store.addUsage(UsageCounts(hits: [old[0].key: .init(count: 2, lastHitAt: 5)], misses: ["m": 1]))
        #expect(try store.usage() == UsageCounts(hits: [old[0].key: .init(count: 2, lastHitAt: 5)], misses: ["m": 1]))
        // Opening again finds nothing to do.
        #expect(try SQLiteStore(path: path).count() == old.count)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "2")
    }

    @Test func manyOpenersOfAnOldFileMigrateItOnce() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let cassette = CassetteFixtures.cassette()
        try SQLiteFixtures.execute(Self.versionOneSQL + Self.versionOneRow(cassette), on: path)
        try await openAtOnce(path, count: 8)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "2")
        #expect(try SQLiteStore(path: path).load(cassette.key) == cassette)
    }

    @Test func manyOpenersOfANewFileAllSucceed() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        try await openAtOnce(path, count: 8)
        #expect(try SQLiteFixtures.text("PRAGMA journal_mode", on: path) == "wal")
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "2")
    }

    @Test(arguments: [3, 99])
    func aNewerSchemaIsRefusedAndLeftUntouched(_ version: Int) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        // A rollback-journal file, so even switching it to WAL would show in its header bytes.
        try SQLiteFixtures.execute("""
            CREATE TABLE cassettes(key TEXT PRIMARY KEY, something_new BLOB) WITHOUT ROWID;
            INSERT INTO cassettes VALUES('k', x'00ff');
            PRAGMA user_version = \(version);
            """, on: path)
        let before = try CassetteFixtures.read(path)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .newerSchema(let named, let found)? = error else {
            Issue.record("expected newerSchema, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(found == version)
        #expect(error?.description
                == "store \(path) has schema version \(version), written by a newer Tapedeck; this one knows up to 2 and leaves it unchanged")
        #expect(try CassetteFixtures.read(path) == before)
        #expect(CassetteFixtures.tree(scratch.path) == ["tapes.db"])
        #expect(try SQLiteFixtures.text("PRAGMA journal_mode", on: path) == "delete")
    }

    @Test func aNegativeVersionIsCorrupt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        try SQLiteFixtures.execute("PRAGMA user_version = -1", on: path)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .corrupt(let named, let reason)? = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(reason == "user_version -1 is not a schema version")
    }

    @Test func anotherProgramsDatabaseIsRefusedAndNotChanged() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        try SQLiteFixtures.execute("CREATE TABLE cassettes(title TEXT, artist TEXT); INSERT INTO cassettes VALUES('Low', 'Bowie');", on: path)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .database(let named, let cause)? = error else {
            Issue.record("expected a database error, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(cause.message == "table cassettes already exists")
        #expect(cause.context.hasPrefix("CREATE TABLE cassettes("))
        #expect(try SQLiteFixtures.rows("SELECT * FROM cassettes", on: path) == [["Low", "Bowie"]])
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "0")
        #expect(try SQLiteFixtures.text("SELECT count(*) FROM sqlite_schema", on: path) == "1")
    }

    /// Opens `count` stores on `path` from as many threads at the same moment.
    private func openAtOnce(_ path: String, count: Int) async throws {
        let barrier = Barrier(parties: count)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await onOwnThread {
                        barrier.arriveAndWait()
                        _ = try SQLiteStore(path: path).count()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(!barrier.timedOut)
    }
}
