/// The PostgreSQL store's tables, versioned in `tapedeck_schema` and migrated forward only.
///
/// Every table is named `tapedeck_…`, so the store can live in a database other programs use. Migrations run in
/// one transaction holding a transaction-level advisory lock (`pg_advisory_xact_lock`), which re-reads the version
/// first: two processes opening an old database at once migrate it once. A database whose version is higher than
/// this build knows was written by a newer Tapedeck and is refused, never modified.
enum PostgresSchema {
    /// One step forward: the SQL that turns a version `version - 1` database into a version `version` one.
    struct Migration: Sendable {
        let version: Int
        let sql: String
    }

    /// Every migration in order: the Nth takes a database from version N-1 to N. A new version is one more entry.
    static let migrations: [Migration] = [
        // Cassettes with their usage counts, miss counts per model, and leases, each in a namespace ('' the shared
        // one). `revision` comes from one sequence and changes on every save: `version(of:)` reads it alone, so a
        // re-recording by any process is seen by every other at its next hit.
        Migration(version: 1, sql: """
            CREATE SEQUENCE tapedeck_revisions;
            CREATE TABLE tapedeck_cassettes(
                namespace text NOT NULL DEFAULT '',
                key text NOT NULL,
                model_id text NOT NULL,
                operation text NOT NULL,
                recorded_at text NOT NULL,
                revision bigint NOT NULL,
                hits bigint NOT NULL DEFAULT 0,
                last_hit_at bigint NOT NULL DEFAULT 0,
                document bytea NOT NULL,
                PRIMARY KEY(namespace, key)
            );
            CREATE INDEX tapedeck_cassettes_model_id ON tapedeck_cassettes(namespace, model_id);
            CREATE TABLE tapedeck_misses(
                namespace text NOT NULL DEFAULT '',
                model_id text NOT NULL,
                count bigint NOT NULL,
                PRIMARY KEY(namespace, model_id)
            );
            CREATE TABLE tapedeck_leases(
                namespace text NOT NULL DEFAULT '',
                key text NOT NULL,
                pid integer NOT NULL,
                start_ticks bigint NOT NULL,
                boot_id text NOT NULL,
                host text NOT NULL,
                token text NOT NULL,
                acquired_at_ms bigint NOT NULL,
                PRIMARY KEY(namespace, key)
            );
            """),
        // Every change to a cassette (a save, a re-recording, a removal, by Tapedeck or by hand) notifies channel
        // `tapedeck_changes` with `namespace/key/revision` (`-` for a removal), in the writing transaction:
        // delivered at its commit, never for a rollback. Hit counts (`hits`, `last_hit_at`) change no cassette and
        // notify nobody.
        Migration(version: 2, sql: """
            CREATE FUNCTION tapedeck_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM pg_notify('\(changesChannel)', OLD.namespace || '/' || OLD.key || '/-');
                ELSE
                    PERFORM pg_notify('\(changesChannel)', NEW.namespace || '/' || NEW.key || '/' || NEW.revision);
                    IF TG_OP = 'UPDATE' AND (OLD.namespace, OLD.key) IS DISTINCT FROM (NEW.namespace, NEW.key) THEN
                        PERFORM pg_notify('\(changesChannel)', OLD.namespace || '/' || OLD.key || '/-');
                    END IF;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER tapedeck_cassettes_changed
                AFTER INSERT OR DELETE OR UPDATE OF namespace, key, revision, document ON tapedeck_cassettes
                FOR EACH ROW EXECUTE FUNCTION tapedeck_notify_change();
            """),
    ]

    /// The channel the change trigger notifies and every serving process listens on.
    static let changesChannel = "tapedeck_changes"

    /// The version this build writes and reads.
    static var currentVersion: Int { migrations.count }

    /// The advisory lock key migrations hold (any constant other programs are unlikely to pick: "TAPEDECK").
    static let migrationLock: Int64 = 0x5441_5045_4445_434B

    /// Readies the database for the store: refuses a newer schema untouched, then migrates forward. Without
    /// `create`, a database that has never held a store is refused (`missingStore`) and nothing is created.
    static func prepare(_ pool: PostgresPool, store: String, create: Bool) throws(CassetteError) {
        let version = try CassetteError.postgres(store) { () throws(PostgresError) -> Int? in try pool.run(readVersion) }
        guard let version else {
            if !create { throw .missingStore(location: store) }
            return try migrate(pool, store: store)
        }
        try check(version, store: store)
        if version < currentVersion { try migrate(pool, store: store) }
    }

    /// The stored version, or nil when the database has no Tapedeck tables yet.
    private static func readVersion(_ connection: PostgresConnection) throws(PostgresError) -> Int? {
        let exists = try connection.execute("SELECT to_regclass('tapedeck_schema') IS NOT NULL")
        guard exists.rowCount == 1, exists.bytes(0, 0) == [1] else { return nil }
        let rows = try connection.execute("SELECT version FROM tapedeck_schema")
        return rows.rowCount == 0 ? 0 : Int(try rows.int64(0, 0))
    }

    /// Refuses a version this build cannot read.
    private static func check(_ version: Int, store: String) throws(CassetteError) {
        guard version <= currentVersion else { throw .newerDatabaseSchema(store: store, version: version, known: currentVersion) }
    }

    /// Applies every migration the database still needs, in one transaction under the migration lock.
    private static func migrate(_ pool: PostgresPool, store: String) throws(CassetteError) {
        try CassetteError.postgres(store) { () throws(PostgresError) in
            try pool.run { connection throws(PostgresError) in try migrateOnce(connection) }
        }
        // A newer Tapedeck may have migrated past this build between the first look and the lock.
        let version = try CassetteError.postgres(store) { () throws(PostgresError) -> Int? in try pool.run(readVersion) }
        try check(version ?? 0, store: store)
    }

    /// The migration transaction: under the lock, the version read again and every missing step applied.
    private static func migrateOnce(_ connection: PostgresConnection) throws(PostgresError) {
            try connection.transaction { () throws(PostgresError) in
                try connection.execute("SELECT pg_advisory_xact_lock($1)", [.int64(migrationLock)])
                try connection.executeScript("CREATE TABLE IF NOT EXISTS tapedeck_schema(version integer NOT NULL)")
                // Read under the lock: another process may have migrated since the last look.
                let rows = try connection.execute("SELECT version FROM tapedeck_schema")
                var version = rows.rowCount == 0 ? 0 : Int(try rows.int64(0, 0))
                if rows.rowCount == 0 { try connection.execute("INSERT INTO tapedeck_schema(version) VALUES(0)") }
                guard version <= currentVersion else { return }
                while version < currentVersion {
                    try connection.executeScript(migrations[version].sql)
                    version = migrations[version].version
                }
                try connection.execute("UPDATE tapedeck_schema SET version = $1::bigint", [.int64(Int64(version))])
            }
    }
}
