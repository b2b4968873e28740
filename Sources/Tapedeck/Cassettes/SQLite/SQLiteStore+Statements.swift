extension SQLiteStore {
    /// The store's connection and every statement it runs, each compiled once when the store opens.
    ///
    /// Not thread-safe: `SQLiteStore` reaches it only under its mutex.
    final class Statements {
        let database: SQLiteDatabase
        let load: SQLiteStatement
        let save: SQLiteStatement
        let count: SQLiteStatement
        let entries: SQLiteStatement
        let remove: SQLiteStatement
        let addHits: SQLiteStatement
        let addMisses: SQLiteStatement
        let hits: SQLiteStatement
        let misses: SQLiteStatement

        /// Rows `load` can find: a key spelled as `CacheKey` spells it (a hand-edited row may not be).
        static let loadableKey = "length(key) = 64 AND key NOT GLOB '*[^0-9a-f]*'"

        /// Compiles every statement on `database`, whose schema is current.
        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            load = try database.prepare("SELECT document FROM cassettes WHERE key = ?1")
            // Re-recording replaces the cassette but keeps its usage counts.
            save = try database.prepare("""
                INSERT INTO cassettes(key, model_id, operation, recorded_at, document) VALUES(?1, ?2, ?3, ?4, ?5)
                ON CONFLICT(key) DO UPDATE SET model_id = excluded.model_id, operation = excluded.operation,
                recorded_at = excluded.recorded_at, document = excluded.document
                """)
            count = try database.prepare("SELECT count(*) FROM cassettes WHERE \(Self.loadableKey)")
            entries = try database.prepare("SELECT key FROM cassettes WHERE \(Self.loadableKey) ORDER BY key")
            remove = try database.prepare("DELETE FROM cassettes WHERE key = ?1")
            // A hit for a cassette removed since changes no row: there is nothing left to count it against.
            addHits = try database.prepare(
                "UPDATE cassettes SET hits = hits + ?2, last_hit_at = max(last_hit_at, ?3) WHERE key = ?1")
            addMisses = try database.prepare("""
                INSERT INTO misses(model_id, count) VALUES(?1, ?2)
                ON CONFLICT(model_id) DO UPDATE SET count = count + excluded.count
                """)
            hits = try database.prepare(
                "SELECT key, hits, last_hit_at FROM cassettes WHERE hits > 0 AND \(Self.loadableKey)")
            misses = try database.prepare("SELECT model_id, count FROM misses")
        }
    }
}
