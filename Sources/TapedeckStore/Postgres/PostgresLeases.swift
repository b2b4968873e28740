import TapedeckSystem
import TapedeckBedrock

/// The `tapedeck_leases` table: one row per key being recorded, per namespace (`MissLease` has the rules).
///
/// Taking a lease is one transaction holding a transaction-level advisory lock on the key
/// (`pg_advisory_xact_lock(hashtextextended(namespace/key))`) that re-reads the row under it, so two processes,
/// on one machine or many, never both take it; a look that finds a live lease held by another is a plain read.
/// A lease's owner on another machine cannot be seen to die, so there it goes stale only by age.
enum PostgresLeases {
    /// Takes the lease on `key` in `namespace`, unless a live one is held.
    static func acquire(
        _ connection: PostgresConnection, namespace: String, key: CacheKey, staleAfterMs: Int64
    ) throws(PostgresError) -> LeaseResult {
        if let held = try current(connection, namespace: namespace, key: key), !held.isStale(staleAfterMs: staleAfterMs) {
            return .heldByAnother(held)
        }
        return try connection.transaction { () throws(PostgresError) -> LeaseResult in
            try connection.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))", [.text(namespace), .text(key.hex)])
            // Read again under the lock: another process may have taken it since the look above.
            if let held = try current(connection, namespace: namespace, key: key), !held.isStale(staleAfterMs: staleAfterMs) {
                return .heldByAnother(held)
            }
            let lease = MissLease.fresh(key)
            try connection.execute("""
                INSERT INTO tapedeck_leases(namespace, key, pid, start_ticks, boot_id, host, token, acquired_at_ms)
                VALUES($1, $2, $3::bigint, $4, $5, $6, $7, $8)
                ON CONFLICT(namespace, key) DO UPDATE SET pid = excluded.pid, start_ticks = excluded.start_ticks,
                boot_id = excluded.boot_id, host = excluded.host, token = excluded.token, acquired_at_ms = excluded.acquired_at_ms
                """, [
                    .text(namespace), .text(key.hex), .int64(Int64(lease.owner.pid)), .int64(Int64(bitPattern: lease.owner.startTicks)),
                    .text(lease.owner.bootId), .text(lease.owner.host), .text(lease.token), .int64(lease.acquiredAtMs),
                ])
            return .acquired(lease)
        }
    }

    /// Deletes `lease`'s row if it is still that acquisition's.
    static func release(_ connection: PostgresConnection, namespace: String, _ lease: MissLease) throws(PostgresError) {
        try connection.execute(
            "DELETE FROM tapedeck_leases WHERE namespace = $1 AND key = $2 AND token = $3",
            [.text(namespace), .text(lease.key.hex), .text(lease.token)])
    }

    /// The lease row on `key`, or nil.
    private static func current(_ connection: PostgresConnection, namespace: String, key: CacheKey) throws(PostgresError) -> MissLease? {
        let rows = try connection.execute(
            "SELECT pid, start_ticks, boot_id, host, token, acquired_at_ms FROM tapedeck_leases WHERE namespace = $1 AND key = $2",
            [.text(namespace), .text(key.hex)])
        guard rows.rowCount == 1 else { return nil }
        let owner = ProcessIdentity(
            pid: Int32(truncatingIfNeeded: try rows.int64(0, 0)), startTicks: UInt64(bitPattern: try rows.int64(0, 1)),
            bootId: rows.text(0, 2), host: rows.text(0, 3))
        return MissLease(key: key, owner: owner, token: rows.text(0, 4), acquiredAtMs: try rows.int64(0, 5))
    }
}
