import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
import TapedeckTestSupport

@Suite struct SQLiteSchemaTests {
    /// The first release's layout, written by hand rather than taken from `SQLiteSchema`.
    static let versionOneSQL = """
        CREATE TABLE cassettes(key TEXT PRIMARY KEY, model_id TEXT NOT NULL, operation TEXT NOT NULL,
            recorded_at TEXT NOT NULL, document TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX cassettes_model_id ON cassettes(model_id);
        PRAGMA user_version = 1;
        """

    /// A row insert of `cassette` as the first release wrote it (its columns named, so it fits the second's too).
    static func versionOneRow(_ cassette: Cassette) -> String {
        let document = String(decoding: JSONWriter.compact(cassette.jsonValue), as: UTF8.self)
        return """
            INSERT INTO cassettes(key, model_id, operation, recorded_at, document) \
            VALUES('\(cassette.key.hex)', \(SQLiteFixtures.quoted(cassette.modelId)), '\(cassette.operation.rawValue)', \
            '\(cassette.recordedAt)', \(SQLiteFixtures.quoted(document)));
            """
    }

    /// What the second release added to the first, written by hand as well.
    static let versionTwoSQL = versionOneSQL + """
        ALTER TABLE cassettes ADD COLUMN hits INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cassettes ADD COLUMN last_hit_at INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE misses(model_id TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
        PRAGMA user_version = 2;
        """

    /// The third release's layout (namespaces), written by hand: what every file had before leases.
    static let versionThreeSQL = """
        CREATE TABLE cassettes(namespace TEXT NOT NULL DEFAULT '', key TEXT NOT NULL, model_id TEXT NOT NULL,
            operation TEXT NOT NULL, recorded_at TEXT NOT NULL, document TEXT NOT NULL, hits INTEGER NOT NULL DEFAULT 0,
            last_hit_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(namespace, key)) WITHOUT ROWID;
        CREATE INDEX cassettes_model_id ON cassettes(namespace, model_id);
        CREATE TABLE misses(namespace TEXT NOT NULL DEFAULT '', model_id TEXT NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY(namespace, model_id)) WITHOUT ROWID;
        PRAGMA user_version = 3;
        """

    /// The fourth release's layout (leases), written by hand: what every file had before cassettes got rowids.
    static let versionFourSQL = versionThreeSQL + """
        CREATE TABLE leases(namespace TEXT NOT NULL DEFAULT '', key TEXT NOT NULL, pid INTEGER NOT NULL,
            start_ticks INTEGER NOT NULL, boot_id TEXT NOT NULL, host TEXT NOT NULL, token TEXT NOT NULL,
            acquired_at_ms INTEGER NOT NULL, PRIMARY KEY(namespace, key)) WITHOUT ROWID;
        PRAGMA user_version = 4;
        """

    @Test func migrationsAreNumberedInOrder() {
        #expect(SQLiteSchema.migrations.map(\.version) == Array(1...SQLiteSchema.migrations.count))
        #expect(SQLiteSchema.currentVersion == 5)
    }

    @Test func aNewFileGetsTheCurrentLayout() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        _ = try SQLiteStore(path: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
        try expectCurrentLayout(path)
    }

    /// The tables, columns, keys and index of the current schema, however the file got there.
    private func expectCurrentLayout(_ path: String) throws {
        // name, type, notnull, default, pk (the column's place in the primary key, 0 when not in it)
        let columns = try SQLiteFixtures.rows("SELECT name, type, \"notnull\", ifnull(dflt_value, ''), pk FROM pragma_table_info('cassettes')", on: path)
        // A rowid table: (namespace, key) is unique rather than the primary key, and the document comes last.
        #expect(columns == [
            ["namespace", "TEXT", "1", "''", "0"], ["key", "TEXT", "1", "", "0"], ["model_id", "TEXT", "1", "", "0"],
            ["operation", "TEXT", "1", "", "0"], ["recorded_at", "TEXT", "1", "", "0"],
            ["hits", "INTEGER", "1", "0", "0"], ["last_hit_at", "INTEGER", "1", "0", "0"], ["document", "TEXT", "1", "", "0"],
        ])
        let unique = try SQLiteFixtures.rows("""
            SELECT ii.name FROM pragma_index_list('cassettes') AS il, pragma_index_info(il.name) AS ii
            WHERE il."unique" = 1 ORDER BY ii.seqno
            """, on: path)
        #expect(unique == [["namespace"], ["key"]])
        let misses = try SQLiteFixtures.rows("SELECT name, type, \"notnull\", ifnull(dflt_value, ''), pk FROM pragma_table_info('misses')", on: path)
        #expect(misses == [["namespace", "TEXT", "1", "''", "1"], ["model_id", "TEXT", "1", "", "2"], ["count", "INTEGER", "1", "", "0"]])
        let objects = try SQLiteFixtures.rows("SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name", on: path)
        #expect(objects.filter { $0[0] != "index" || !$0[1].hasPrefix("sqlite_autoindex") } == [
            ["table", "cassettes", "cassettes"], ["index", "cassettes_model_id", "cassettes"], ["table", "leases", "leases"],
            ["table", "misses", "misses"],
        ])
        let leases = try SQLiteFixtures.rows("SELECT name, type, \"notnull\", ifnull(dflt_value, ''), pk FROM pragma_table_info('leases')", on: path)
        #expect(leases == [
            ["namespace", "TEXT", "1", "''", "1"], ["key", "TEXT", "1", "", "2"], ["pid", "INTEGER", "1", "", "0"],
            ["start_ticks", "INTEGER", "1", "", "0"], ["boot_id", "TEXT", "1", "", "0"], ["host", "TEXT", "1", "", "0"],
            ["token", "TEXT", "1", "", "0"], ["acquired_at_ms", "INTEGER", "1", "", "0"],
        ])
        let indexed = try SQLiteFixtures.rows("SELECT name FROM pragma_index_info('cassettes_model_id') ORDER BY seqno", on: path)
        #expect(indexed == [["namespace"], ["model_id"]])
        let withoutRowid = try SQLiteFixtures.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID'", on: path)
        #expect(withoutRowid.sorted { $0[0] < $1[0] } == [["leases"], ["misses"]])
    }

    @Test func aVersionOneFileIsMigratedWithItsRowsKept() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let old = SQLiteFixtures.everyKind
        try SQLiteFixtures.execute(Self.versionOneSQL + old.map(Self.versionOneRow).joined(separator: "\n"), on: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "1")

        let store = try SQLiteStore(path: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
        #expect(try store.count() == old.count)
        for cassette in old { #expect(try store.load(cassette.key) == cassette) }
        #expect(try store.usage() == UsageCounts())
        try store.addUsage(UsageCounts(hits: [old[0].key: .init(count: 2, lastHitAt: 5)], misses: ["m": 1]))
        #expect(try store.usage() == UsageCounts(hits: [old[0].key: .init(count: 2, lastHitAt: 5)], misses: ["m": 1]))
        // Opening again finds nothing to do.
        #expect(try SQLiteStore(path: path).count() == old.count)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
    }

    @Test func aVersionTwoFileKeepsItsRowsAndCountsInTheSharedNamespace() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let old = SQLiteFixtures.everyKind
        try SQLiteFixtures.execute(Self.versionTwoSQL + old.map(Self.versionOneRow).joined(separator: "\n") + """
            UPDATE cassettes SET hits = 7, last_hit_at = 1700000000 WHERE key = '\(old[0].key.hex)';
            UPDATE cassettes SET hits = 1, last_hit_at = 1600000000 WHERE key = '\(old[2].key.hex)';
            INSERT INTO misses VALUES('model-a', 3), ('model-b', 1);
            """, on: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "2")

        #expect(try SQLiteFileCheck.check(path) == .storeWithoutID, "a store from before the application id is still known")
        let store = try SQLiteStore(path: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
        #expect(Array(try CassetteFixtures.read(path)[68..<72]) == Array("TPDK".utf8), "the id is added, and in the main file")
        try expectCurrentLayout(path)
        #expect(try SQLiteFixtures.rows("SELECT DISTINCT namespace FROM cassettes", on: path) == [[""]])
        #expect(try store.count() == old.count)
        for cassette in old { #expect(try store.load(cassette.key) == cassette) }
        let counts = UsageCounts(
            hits: [old[0].key: .init(count: 7, lastHitAt: 1_700_000_000), old[2].key: .init(count: 1, lastHitAt: 1_600_000_000)],
            misses: ["model-a": 3, "model-b": 1])
        #expect(try store.usage() == counts)
        #expect(try store.namespaces() == [])
        let other = try store.namespace("other")
        #expect(try other.count() == 0)
        #expect(try other.usage() == UsageCounts())
        // Counting goes on where it left off, and re-recording keeps the counts.
        try store.addUsage(UsageCounts(hits: [old[0].key: .init(count: 1, lastHitAt: 1_800_000_000)], misses: ["model-a": 1]))
        try store.save(old[0])
        #expect(try store.usage().hits[old[0].key] == .init(count: 8, lastHitAt: 1_800_000_000))
        #expect(try store.usage().misses["model-a"] == 4)
        #expect(try SQLiteStore(path: path).count() == old.count)
    }

    @Test func aFailedMigrationLeavesTheVersionTwoFileAsItWas() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let cassette = CassetteFixtures.cassette()
        // A table in the way of the rebuild makes migration 3 fail part way through.
        try SQLiteFixtures.execute(Self.versionTwoSQL + Self.versionOneRow(cassette) + """
            UPDATE cassettes SET hits = 2;
            CREATE TABLE misses_v3(x);
            """, on: path)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .database(_, let cause)? = error else {
            Issue.record("expected a database error, got \(String(describing: error))")
            return
        }
        #expect(cause.message == "table misses_v3 already exists")
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "2")
        #expect(try SQLiteFixtures.rows("SELECT key, hits FROM cassettes", on: path) == [[cassette.key.hex, "2"]])
        #expect(try SQLiteFixtures.rows("SELECT name FROM pragma_table_info('cassettes') WHERE name = 'namespace'", on: path) == [])
    }

    @Test func aVersionThreeFileGainsAnEmptyLeasesTableAndKeepsEverythingElse() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let old = SQLiteFixtures.everyKind
        try SQLiteFixtures.execute(Self.versionThreeSQL + old.map(Self.versionOneRow).joined(separator: "\n") + """
            UPDATE cassettes SET namespace = 'team' WHERE key = '\(old[1].key.hex)';
            UPDATE cassettes SET hits = 4, last_hit_at = 1700000000 WHERE key = '\(old[0].key.hex)';
            INSERT INTO misses VALUES('', 'model-a', 2);
            """, on: path)

        #expect(try SQLiteFileCheck.check(path) == .storeWithoutID, "a store from before the application id is still known")
        let store = try SQLiteStore(path: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
        #expect(Array(try CassetteFixtures.read(path)[68..<72]) == Array("TPDK".utf8), "the id is added, and in the main file")
        try expectCurrentLayout(path)
        #expect(try SQLiteFixtures.rows("SELECT count(*) FROM leases", on: path) == [["0"]])
        #expect(try store.count() == old.count - 1)
        #expect(try store.namespaces() == ["team"])
        #expect(try store.namespace("team").load(old[1].key) == old[1])
        #expect(try store.usage() == UsageCounts(hits: [old[0].key: .init(count: 4, lastHitAt: 1_700_000_000)], misses: ["model-a": 2]))
        // Leases work at once on the migrated file.
        guard case .acquired(let lease) = try store.acquireLease(old[0].key, staleAfterMs: 60_000) else {
            Issue.record("a migrated file's first lease is not granted")
            return
        }
        #expect(try SQLiteFixtures.rows("SELECT key FROM leases", on: path) == [[old[0].key.hex]])
        try store.releaseLease(lease)
        #expect(try SQLiteFixtures.rows("SELECT count(*) FROM leases", on: path) == [["0"]])
    }

    @Test func aVersionFourFileGetsRowidsAndKeepsEveryRowCountAndLease() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let old = SQLiteFixtures.everyKind
        try SQLiteFixtures.execute(Self.versionFourSQL + old.map(Self.versionOneRow).joined(separator: "\n") + """
            UPDATE cassettes SET namespace = 'team' WHERE key = '\(old[1].key.hex)';
            UPDATE cassettes SET hits = 4, last_hit_at = 1700000000 WHERE key = '\(old[0].key.hex)';
            INSERT INTO misses VALUES('', 'model-a', 2);
            INSERT INTO leases VALUES('', 'abc', 1, 2, 'boot', 'host', 'token', 3);
            """, on: path)
        let documentsBefore = try SQLiteFixtures.rows("SELECT namespace, key, document FROM cassettes ORDER BY key", on: path)

        #expect(try SQLiteFileCheck.check(path) == .storeWithoutID, "a store from before the application id is still known")
        let store = try SQLiteStore(path: path)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
        #expect(Array(try CassetteFixtures.read(path)[68..<72]) == Array("TPDK".utf8), "the id is added, and in the main file")
        try expectCurrentLayout(path)
        #expect(try SQLiteFixtures.rows("SELECT namespace, key, document FROM cassettes ORDER BY key", on: path) == documentsBefore)
        #expect(try SQLiteFixtures.rows("SELECT key FROM leases", on: path) == [["abc"]])
        #expect(try store.count() == old.count - 1)
        #expect(try store.namespace("team").load(old[1].key) == old[1])
        for cassette in old where cassette.key != old[1].key { #expect(try store.load(cassette.key) == cassette) }
        #expect(try store.usage() == UsageCounts(hits: [old[0].key: .init(count: 4, lastHitAt: 1_700_000_000)], misses: ["model-a": 2]))
        // Re-recording still replaces in place and keeps the counts: (namespace, key) stays unique.
        try store.save(old[0])
        #expect(try SQLiteFixtures.rows("SELECT count(*) FROM cassettes WHERE key = '\(old[0].key.hex)'", on: path) == [["1"]])
        #expect(try store.usage().hits[old[0].key] == .init(count: 4, lastHitAt: 1_700_000_000))
    }

    @Test func manyOpenersOfAnOldFileMigrateItOnce() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        let cassette = CassetteFixtures.cassette()
        try SQLiteFixtures.execute(Self.versionOneSQL + Self.versionOneRow(cassette), on: path)
        try await openAtOnce(path, count: 8)
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
        #expect(try SQLiteStore(path: path).load(cassette.key) == cassette)
    }

    @Test func manyOpenersOfANewFileAllSucceed() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        try await openAtOnce(path, count: 8)
        #expect(try SQLiteFixtures.text("PRAGMA journal_mode", on: path) == "wal")
        #expect(try SQLiteFixtures.text("PRAGMA user_version", on: path) == "5")
    }

    @Test(arguments: [6, 99])
    func aNewerSchemaIsRefusedAndLeftUntouched(_ version: Int) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        // A rollback-journal file, so even switching it to WAL would show in its header bytes.
        try SQLiteFixtures.execute("""
            CREATE TABLE cassettes(key TEXT PRIMARY KEY, something_new BLOB) WITHOUT ROWID;
            INSERT INTO cassettes VALUES('k', x'00ff');
            PRAGMA user_version = \(version);
            PRAGMA application_id = \(SQLiteFileCheck.applicationID);
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
                == "store \(path) has schema version \(version), written by a newer Tapedeck; this one knows up to 5 and leaves it unchanged")
        #expect(try CassetteFixtures.read(path) == before)
        #expect(CassetteFixtures.tree(scratch.path) == ["tapes.db"])
        #expect(try SQLiteFixtures.text("PRAGMA journal_mode", on: path) == "delete")
    }

    @Test func aNegativeVersionIsCorrupt() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        try SQLiteFixtures.execute("PRAGMA user_version = -1; PRAGMA application_id = \(SQLiteFileCheck.applicationID)", on: path)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .corrupt(let named, let reason)? = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(reason == "user_version -1 is not a schema version")
    }

    @Test func anotherProgramsDatabaseWithACassettesTableIsRefusedAndNotChanged() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        try SQLiteFixtures.execute("CREATE TABLE cassettes(title TEXT, artist TEXT); INSERT INTO cassettes VALUES('Low', 'Bowie');", on: path)
        let before = try CassetteFixtures.read(path)
        let error = #expect(throws: CassetteError.self) { try SQLiteStore(path: path) }
        guard case .foreignFile(let named, let reason)? = error else {
            Issue.record("expected foreignFile, got \(String(describing: error))")
            return
        }
        #expect(named == path)
        #expect(reason == "it is a SQLite database with tables cassettes and user_version 0")
        #expect(error?.description.contains("\n") == false, "one line")
        #expect(try CassetteFixtures.read(path) == before)
        #expect(CassetteFixtures.tree(scratch.path) == ["tapes.db"])
        #expect(try SQLiteFixtures.text("PRAGMA journal_mode", on: path) == "delete")
    }

    @Test func aNewStoreCarriesTapedecksApplicationIDInItsHeader() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = SQLiteFixtures.path(scratch)
        _ = try SQLiteStore(path: path)
        let header = try CassetteFixtures.read(path)
        #expect(Array(header[68..<72]) == Array("TPDK".utf8), "the main file says so, not only its log")
        #expect(try SQLiteFixtures.text("PRAGMA application_id", on: path) == "\(SQLiteFileCheck.applicationID)")
        #expect(try SQLiteFileCheck.check(path) == .store)
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
