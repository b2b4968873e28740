/// Usage counts live in the database: hits in each cassette's row, misses in the `misses` table.
extension SQLiteStore {
    /// Adds the whole batch in one transaction; hits for a cassette no longer in the store are dropped.
    public func addUsage(_ batch: UsageCounts) throws(CassetteError) {
        guard !batch.isEmpty else { return }
        try locked { statements throws(SQLiteError) in
            try statements.database.writeTransaction { () throws(SQLiteError) in
                for (key, hits) in batch.hits {
                    try statements.addHits.use { add throws(SQLiteError) in
                        try add.bind(key.hex, at: 1)
                        try add.bind(Int64(hits.count), at: 2)
                        try add.bind(Int64(hits.lastHitAt), at: 3)
                        try add.run()
                    }
                }
                for (model, count) in batch.misses {
                    try statements.addMisses.use { add throws(SQLiteError) in
                        try add.bind(model, at: 1)
                        try add.bind(Int64(count), at: 2)
                        try add.run()
                    }
                }
            }
        }
    }

    /// Every hit count of a cassette still in the store, and every miss count, read from one snapshot.
    public func usage() throws(CassetteError) -> UsageCounts {
        try locked { statements throws(SQLiteError) in
            try statements.database.readTransaction { () throws(SQLiteError) in
                var counts = UsageCounts()
                try statements.hits.use { hits throws(SQLiteError) in
                    while try hits.step() {
                        guard let key = CacheKey(hex: hits.text(at: 0)) else { continue }
                        counts.hits[key] = UsageCounts.Hits(count: Int(hits.int64(at: 1)), lastHitAt: Int(hits.int64(at: 2)))
                    }
                }
                try statements.misses.use { misses throws(SQLiteError) in
                    while try misses.step() { counts.misses[misses.text(at: 0)] = Int(misses.int64(at: 1)) }
                }
                return counts
            }
        }
    }
}
