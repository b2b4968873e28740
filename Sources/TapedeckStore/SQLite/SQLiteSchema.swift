/// The SQLite store's tables, versioned with `PRAGMA user_version` and migrated forward only.
///
/// Each migration takes the file from one version to the next inside its own `BEGIN IMMEDIATE` transaction,
/// which re-reads the version first: two processes opening an old file at once migrate it once. A file with
/// a higher version than this build knows was written by a newer Tapedeck and is refused, never modified.
enum SQLiteSchema {
    /// One step forward: the SQL that turns a version `version - 1` file into a version `version` one.
    struct Migration: Sendable {
        let version: Int
        let sql: String
    }

    /// Every migration in order: the Nth takes a file from version N-1 to N. A new version is one more entry.
    static let migrations: [Migration] = [
        // The first release: cassettes only, one row each, the document as compact JSON.
        Migration(version: 1, sql: """
            CREATE TABLE cassettes(
                key TEXT PRIMARY KEY,
                model_id TEXT NOT NULL,
                operation TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                document TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX cassettes_model_id ON cassettes(model_id);
            """),
        // Usage counts: hits beside each cassette (so they vanish with it), misses per model.
        Migration(version: 2, sql: """
            ALTER TABLE cassettes ADD COLUMN hits INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE cassettes ADD COLUMN last_hit_at INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE misses(model_id TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
            """),
        // Namespaces: each cassette and miss count belongs to one, '' the shared one. ALTER TABLE cannot change
        // a primary key, so both tables are rebuilt; every row so far is shared, its hits kept.
        Migration(version: 3, sql: """
            CREATE TABLE cassettes_v3(
                namespace TEXT NOT NULL DEFAULT '',
                key TEXT NOT NULL,
                model_id TEXT NOT NULL,
                operation TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                document TEXT NOT NULL,
                hits INTEGER NOT NULL DEFAULT 0,
                last_hit_at INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY(namespace, key)
            ) WITHOUT ROWID;
            INSERT INTO cassettes_v3(namespace, key, model_id, operation, recorded_at, document, hits, last_hit_at)
                SELECT '', key, model_id, operation, recorded_at, document, hits, last_hit_at FROM cassettes;
            DROP TABLE cassettes;
            ALTER TABLE cassettes_v3 RENAME TO cassettes;
            CREATE INDEX cassettes_model_id ON cassettes(namespace, model_id);
            CREATE TABLE misses_v3(
                namespace TEXT NOT NULL DEFAULT '',
                model_id TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY(namespace, model_id)
            ) WITHOUT ROWID;
            INSERT INTO misses_v3(namespace, model_id, count) SELECT '', model_id, count FROM misses;
            DROP TABLE misses;
            ALTER TABLE misses_v3 RENAME TO misses;
            """),
        // Leases: which process is recording a key right now, so another process sharing the file waits for that
        // recording rather than calling upstream too (`MissLease`). Never a cassette.
        Migration(version: 4, sql: """
            CREATE TABLE leases(
                namespace TEXT NOT NULL DEFAULT '',
                key TEXT NOT NULL,
                pid INTEGER NOT NULL,
                start_ticks INTEGER NOT NULL,
                boot_id TEXT NOT NULL,
                host TEXT NOT NULL,
                token TEXT NOT NULL,
                acquired_at_ms INTEGER NOT NULL,
                PRIMARY KEY(namespace, key)
            ) WITHOUT ROWID;
            """),
        // Cassettes in a rowid table, the document last: a recording too large to hold is written into its row in
        // pieces (`SQLiteBlob`, which a WITHOUT ROWID table cannot have), and reading a row's key, model or hit
        // counts stops before the document's bytes. Every row, hit counts included, is kept.
        Migration(version: 5, sql: """
            CREATE TABLE cassettes_v5(
                namespace TEXT NOT NULL DEFAULT '',
                key TEXT NOT NULL,
                model_id TEXT NOT NULL,
                operation TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                hits INTEGER NOT NULL DEFAULT 0,
                last_hit_at INTEGER NOT NULL DEFAULT 0,
                document TEXT NOT NULL,
                UNIQUE(namespace, key)
            );
            INSERT INTO cassettes_v5(namespace, key, model_id, operation, recorded_at, hits, last_hit_at, document)
                SELECT namespace, key, model_id, operation, recorded_at, hits, last_hit_at, document FROM cassettes;
            DROP TABLE cassettes;
            ALTER TABLE cassettes_v5 RENAME TO cassettes;
            CREATE INDEX cassettes_model_id ON cassettes(namespace, model_id);
            """),
    ]

    /// The version this build writes and reads.
    static var currentVersion: Int { migrations.count }

    /// Readies `database` for the store: refuses a newer schema untouched, turns on WAL, then migrates forward.
    static func prepare(_ database: SQLiteDatabase) throws(CassetteError) {
        let path = database.path
        // Checked before anything writes, so a newer file keeps every byte (its journal mode included).
        var version = try CassetteError.database(path) { () throws(SQLiteError) in try database.userVersion() }
        try check(version, path: path)
        // Before WAL, so that a new file's header carries the id from its first write: other processes recognise
        // the store from the main file alone (`SQLiteFileCheck`), whatever its log holds.
        let marked = try CassetteError.database(path) { () throws(SQLiteError) -> Bool in
            guard try database.integer("PRAGMA application_id").map(UInt32.init(truncatingIfNeeded:)) != SQLiteFileCheck.applicationID else { return false }
            try database.execute("PRAGMA application_id = \(Int32(bitPattern: SQLiteFileCheck.applicationID))")
            return true
        }
        try CassetteError.database(path) { () throws(SQLiteError) in try database.useWriteAheadLog() }
        while version < currentVersion {
            version = try CassetteError.database(path) { () throws(SQLiteError) in try migrateOneStep(database) }
        }
        try check(version, path: path)
        if marked {
            // An older store's id went to its write-ahead log: copied into the main file now where no reader stops it.
            try CassetteError.database(path) { () throws(SQLiteError) in try database.execute("PRAGMA wal_checkpoint(PASSIVE)") }
        }
    }

    /// Checks that a file this process cannot write can be read as it is: a current schema, since an older one
    /// cannot be migrated without writing.
    static func checkReadOnly(_ database: SQLiteDatabase) throws(CassetteError) {
        let path = database.path
        let version = try CassetteError.database(path) { () throws(SQLiteError) in try database.userVersion() }
        try check(version, path: path)
        guard version == currentVersion else { throw .readOnlyMigration(path: path, version: version) }
    }

    /// Refuses a version this build cannot read.
    private static func check(_ version: Int, path: String) throws(CassetteError) {
        guard version >= 0 else { throw .corrupt(path: path, reason: "user_version \(version) is not a schema version") }
        guard version <= currentVersion else { throw .newerSchema(path: path, version: version) }
    }

    /// Applies the next migration if the file still needs one; returns the version the file has afterwards.
    private static func migrateOneStep(_ database: SQLiteDatabase) throws(SQLiteError) -> Int {
        try database.writeTransaction { () throws(SQLiteError) -> Int in
            // Read under the write lock: another process may have migrated since the last look.
            let version = try database.userVersion()
            guard (0..<currentVersion).contains(version) else { return version }
            let migration = migrations[version]
            try database.execute(migration.sql)
            try database.setUserVersion(migration.version)
            return migration.version
        }
    }
}
