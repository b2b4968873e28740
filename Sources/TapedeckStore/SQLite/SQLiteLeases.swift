import TapedeckSystem
import TapedeckBedrock

/// The `leases` table of one SQLite file (schema version 4): one row per key being recorded, per namespace.
///
/// On a connection of its own, opened at the first lease: a waiting flight asks every few milliseconds, and those
/// looks must queue neither behind the store's cassette reads and writes nor hold them up. A lease is taken in
/// one `BEGIN IMMEDIATE` transaction that re-reads the row under the write lock, so two processes never both
/// take it; a look that finds a live lease held by another is a plain read and takes no lock.
final class SQLiteLeases: Sendable {
    /// The database file, as given.
    let path: String
    /// The connection and its statements, once opened.
    private let opened = Mutex<Statements?>(nil)

    /// The leases of the file at `path`, whose schema the store has already made current.
    init(path: String) {
        self.path = path
    }

    /// Takes the lease on `key` in `namespace`, unless a live one is held (`MissLease` has the rules).
    func acquire(namespace: String, key: CacheKey, staleAfterMs: Int64) throws(CassetteError) -> LeaseResult {
        try locked { statements throws(SQLiteError) -> LeaseResult in
            if let held = try statements.current(namespace: namespace, key: key), !held.isStale(staleAfterMs: staleAfterMs) {
                return .heldByAnother(held)
            }
            return try statements.database.writeTransaction { () throws(SQLiteError) -> LeaseResult in
                // Read again under the write lock: another process may have taken it since the look above.
                if let held = try statements.current(namespace: namespace, key: key), !held.isStale(staleAfterMs: staleAfterMs) {
                    return .heldByAnother(held)
                }
                let lease = MissLease.fresh(key)
                try statements.put(namespace: namespace, lease)
                return .acquired(lease)
            }
        }
    }

    /// Deletes `lease`'s row if it is still that acquisition's.
    func release(namespace: String, _ lease: MissLease) throws(CassetteError) {
        try locked { statements throws(SQLiteError) in
            try statements.database.writeTransaction { () throws(SQLiteError) in
                try statements.delete.use { delete throws(SQLiteError) in
                    try delete.bind(namespace, at: 1)
                    try delete.bind(lease.key.hex, at: 2)
                    try delete.bind(lease.token, at: 3)
                    try delete.run()
                }
            }
        }
    }

    /// Runs `body` with the lease connection, opening it first if needed.
    private func locked<T>(_ body: (Statements) throws(SQLiteError) -> T) throws(CassetteError) -> T {
        let result = opened.withLock { opened in
            Result { () throws(SQLiteError) -> T in
                if opened == nil { opened = try Statements(SQLiteDatabase(path: path)) }
                return try body(opened!)
            }
        }
        return try result.mapError { CassetteError.database(path: path, error: $0) }.get()
    }
}

extension SQLiteLeases {
    /// The lease connection and its statements, compiled once. Not thread-safe: reached only under `opened`.
    final class Statements {
        let database: SQLiteDatabase
        let select: SQLiteStatement
        let upsert: SQLiteStatement
        let delete: SQLiteStatement

        /// Compiles the statements on `database`, whose schema is current.
        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            // The store's own connection set WAL, which the file keeps; this one syncs as the store's does.
            try database.execute("PRAGMA synchronous=NORMAL")
            select = try database.prepare("""
                SELECT pid, start_ticks, boot_id, host, token, acquired_at_ms FROM leases WHERE namespace = ?1 AND key = ?2
                """)
            upsert = try database.prepare("""
                INSERT INTO leases(namespace, key, pid, start_ticks, boot_id, host, token, acquired_at_ms)
                VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                ON CONFLICT(namespace, key) DO UPDATE SET pid = excluded.pid, start_ticks = excluded.start_ticks,
                boot_id = excluded.boot_id, host = excluded.host, token = excluded.token, acquired_at_ms = excluded.acquired_at_ms
                """)
            delete = try database.prepare("DELETE FROM leases WHERE namespace = ?1 AND key = ?2 AND token = ?3")
        }

        /// The lease row on `key`, or nil.
        func current(namespace: String, key: CacheKey) throws(SQLiteError) -> MissLease? {
            try select.use { select throws(SQLiteError) -> MissLease? in
                try select.bind(namespace, at: 1)
                try select.bind(key.hex, at: 2)
                guard try select.step() else { return nil }
                let owner = ProcessIdentity(
                    pid: Int32(truncatingIfNeeded: select.int64(at: 0)), startTicks: UInt64(bitPattern: select.int64(at: 1)),
                    bootId: select.text(at: 2), host: select.text(at: 3))
                return MissLease(key: key, owner: owner, token: select.text(at: 4), acquiredAtMs: select.int64(at: 5))
            }
        }

        /// Writes `lease` as the row on its key, replacing a stale one.
        func put(namespace: String, _ lease: MissLease) throws(SQLiteError) {
            try upsert.use { upsert throws(SQLiteError) in
                try upsert.bind(namespace, at: 1)
                try upsert.bind(lease.key.hex, at: 2)
                try upsert.bind(Int64(lease.owner.pid), at: 3)
                try upsert.bind(Int64(bitPattern: lease.owner.startTicks), at: 4)
                try upsert.bind(lease.owner.bootId, at: 5)
                try upsert.bind(lease.owner.host, at: 6)
                try upsert.bind(lease.token, at: 7)
                try upsert.bind(lease.acquiredAtMs, at: 8)
                try upsert.run()
            }
        }
    }
}
