/// Transactions: writes take the write lock up front, reads see one snapshot.
extension SQLiteDatabase {
    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`, rolling back when it (or the commit) throws.
    ///
    /// IMMEDIATE takes the write lock before the first read, so two writers never deadlock upgrading a read
    /// lock (the busy timeout cannot help there: GRDB#1339); the wait for the lock honours the busy timeout.
    func writeTransaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try transaction(begin: "BEGIN IMMEDIATE", body)
    }

    /// Runs `body` inside `BEGIN` … `COMMIT`, so every statement in it reads the same snapshot.
    func readTransaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try transaction(begin: "BEGIN", body)
    }

    private func transaction<T>(begin: String, _ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try step(begin)
        do {
            let result = try body()
            try step("COMMIT")
            return result
        } catch {
            rollback()
            throw error
        }
    }

    /// Runs one cached transaction control statement.
    private func step(_ sql: String) throws(SQLiteError) {
        guard let statement = transactionStatements[sql] else { preconditionFailure("\(sql) is not compiled at open") }
        try statement.use { statement throws(SQLiteError) in try statement.run() }
    }

    /// Rolls back the open transaction, if SQLite has not already done so after the error.
    private func rollback() {
        guard !isAutocommit else { return }
        do {
            try step("ROLLBACK")
        } catch {
            // The caller's error is the one worth reporting; a failed ROLLBACK leaves nothing more to undo here.
        }
    }
}
