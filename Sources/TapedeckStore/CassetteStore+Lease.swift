import TapedeckBedrock

/// Stores that cannot share a lease between processes grant every one at once: within a process the miss
/// coalescer already shares one call, and nothing else could be waited for.
extension CassetteStore {
    public func acquireLease(_ key: CacheKey, staleAfterMs: Int64) throws(CassetteError) -> LeaseResult {
        .acquired(.fresh(key, shared: false))
    }

    public func releaseLease(_ lease: MissLease) throws(CassetteError) {}
}
