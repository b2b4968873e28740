import TapedeckBedrock

/// Leases live in the file's `leases` table, scoped by this view's namespace like its cassettes; a lease row is
/// never a cassette, so `count`, `entries`, `namespaces` and everything built on them never see one.
extension SQLiteStore {
    public func acquireLease(_ key: CacheKey, staleAfterMs: Int64) throws(CassetteError) -> LeaseResult {
        // A file nobody can write records nothing, so there is nothing to wait for.
        if isReadOnly { return .acquired(.fresh(key, shared: false)) }
        return try leases.acquire(namespace: namespaceName, key: key, staleAfterMs: staleAfterMs)
    }

    public func releaseLease(_ lease: MissLease) throws(CassetteError) {
        guard lease.isShared, !isReadOnly else { return }
        try leases.release(namespace: namespaceName, lease)
    }
}
