import TapedeckBedrock

/// Leases live in `tapedeck_leases`, scoped by this view's namespace like its cassettes; a lease row is never a
/// cassette, so `count`, `entries`, `namespaces` and everything built on them never see one.
extension PostgresStore {
    public func acquireLease(_ key: CacheKey, staleAfterMs: Int64) throws(CassetteError) -> LeaseResult {
        try run { connection throws(PostgresError) in
            try PostgresLeases.acquire(connection, namespace: namespaceName, key: key, staleAfterMs: staleAfterMs)
        }
    }

    public func releaseLease(_ lease: MissLease) throws(CassetteError) {
        guard lease.isShared else { return }
        try run { connection throws(PostgresError) in try PostgresLeases.release(connection, namespace: namespaceName, lease) }
    }
}
