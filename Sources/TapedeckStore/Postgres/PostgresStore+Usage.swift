import TapedeckBedrock

/// Usage counts live in the database: hits in each cassette's row, misses in `tapedeck_misses`. Every process adds
/// its batches to the same rows, so the counts of a whole fleet add up.
extension PostgresStore {
    /// Adds the whole batch to this namespace's rows in one transaction; hits for a cassette no longer in the
    /// namespace are dropped. Not retried on a lost connection: the first try may have committed.
    public func addUsage(_ batch: UsageCounts) throws(CassetteError) {
        guard !batch.isEmpty else { return }
        try run(retry: false) { connection throws(PostgresError) in
            try connection.transaction { () throws(PostgresError) in
                // Keys in one order in every process, so two batches updating the same rows cannot deadlock.
                for (key, hits) in batch.hits.sorted(by: { $0.key.hex < $1.key.hex }) {
                    try connection.execute("""
                        UPDATE tapedeck_cassettes SET hits = hits + $3, last_hit_at = greatest(last_hit_at, $4)
                        WHERE namespace = $1 AND key = $2
                        """, [.text(namespaceName), .text(key.hex), .int64(Int64(hits.count)), .int64(Int64(hits.lastHitAt))])
                }
                for (model, count) in batch.misses.sorted(by: { $0.key < $1.key }) {
                    try connection.execute("""
                        INSERT INTO tapedeck_misses(namespace, model_id, count) VALUES($1, $2, $3)
                        ON CONFLICT(namespace, model_id) DO UPDATE SET count = tapedeck_misses.count + excluded.count
                        """, [.text(namespaceName), .text(model), .int64(Int64(count))])
                }
            }
        }
    }

    /// Every hit count of a cassette still in the namespace, and its every miss count, read in one transaction.
    public func usage() throws(CassetteError) -> UsageCounts {
        let (hits, misses) = try run { connection throws(PostgresError) in
            try connection.transaction { () throws(PostgresError) in
                try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                let hits = try connection.execute(
                    "SELECT key, hits, last_hit_at FROM tapedeck_cassettes WHERE namespace = $1 AND hits > 0 AND \(Self.loadableKey)",
                    [.text(namespaceName)])
                let misses = try connection.execute("SELECT model_id, count FROM tapedeck_misses WHERE namespace = $1", [.text(namespaceName)])
                return (hits, misses)
            }
        }
        return try CassetteError.postgres(description) { () throws(PostgresError) -> UsageCounts in
            var counts = UsageCounts()
            for row in 0..<hits.rowCount {
                guard let key = CacheKey(hex: hits.text(row, 0)) else { continue }
                counts.hits[key] = UsageCounts.Hits(count: Int(try hits.int64(row, 1)), lastHitAt: Int(try hits.int64(row, 2)))
            }
            for row in 0..<misses.rowCount { counts.misses[misses.text(row, 0)] = Int(try misses.int64(row, 1)) }
            return counts
        }
    }
}
