internal import CSQLite

/// An open handle on one value of one row (`sqlite3_blob_open`), for writing a value too large to hold whole in
/// pieces: the row is inserted with a `zeroblob` of the value's size, then each piece is written at its offset.
/// SQLite writes the pieces through its page cache, which spills to the WAL, so no copy of the whole value is ever
/// made in memory. Only rowid tables have such handles.
///
/// Used inside the transaction that inserted the row, and closed before it commits. Not thread-safe.
final class SQLiteBlob {
    private var handle: OpaquePointer?
    private let connection: OpaquePointer
    /// The table and column, named in errors.
    private let context: String
    /// The value's size in bytes; a write past it fails.
    let size: Int

    /// Opens `column` of the row `rowid` of `table` for writing.
    init(_ database: SQLiteDatabase, table: String, column: String, rowid: Int64) throws(SQLiteError) {
        connection = database.handle
        context = "write \(table).\(column) of row \(rowid)"
        var blob: OpaquePointer?
        let rc = sqlite3_blob_open(database.handle, "main", table, column, rowid, 1, &blob)
        guard rc == SQLITE_OK, let blob else {
            // "If an error occurs, *ppBlob is set to NULL", and nothing needs closing.
            throw SQLiteError(rc == SQLITE_OK ? SQLITE_MISUSE : rc, connection: database.handle, context: context)
        }
        handle = blob
        size = Int(sqlite3_blob_bytes(blob))
    }

    deinit { if let handle { sqlite3_blob_close(handle) } }

    /// Writes `bytes` at `offset`; the value's size never changes.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SQLiteError) {
        guard let handle else { throw SQLiteError(SQLITE_MISUSE, connection: connection, context: context) }
        guard !bytes.isEmpty else { return }
        guard offset >= 0, offset + bytes.count <= size, let start = bytes.baseAddress else {
            throw SQLiteError(extendedCode: SQLITE_RANGE, message: "\(bytes.count) bytes at \(offset) do not fit in \(size)", context: context)
        }
        let rc = sqlite3_blob_write(handle, start, Int32(bytes.count), Int32(offset))
        guard rc == SQLITE_OK else { throw SQLiteError(rc, connection: connection, context: context) }
    }

    /// Closes the handle, reporting the failure of a write it had not reported yet.
    func close() throws(SQLiteError) {
        guard let blob = handle else { return }
        handle = nil
        let rc = sqlite3_blob_close(blob)
        guard rc == SQLITE_OK else { throw SQLiteError(rc, connection: connection, context: context) }
    }
}
