internal import CSQLite

/// One prepared statement, compiled once and reused: each use resets it, binds, steps and reads columns.
///
/// Not thread-safe: its owner serialises every use (a statement's bindings and cursor are shared state).
package final class SQLiteStatement {
    /// The `sqlite3_stmt*`.
    let handle: OpaquePointer
    /// The SQL it was compiled from, named in errors.
    let sql: String
    /// The connection, for error messages; `sqlite3_close_v2` keeps it alive until this statement is finalized.
    private let connection: OpaquePointer

    /// Compiles `sql` on `connection`; `persistent` tells SQLite the statement will be kept and reused.
    init(_ sql: String, connection: OpaquePointer, persistent: Bool = true) throws(SQLiteError) {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(connection, sql, -1, flags, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw SQLiteError(rc == SQLITE_OK ? SQLITE_MISUSE : rc, connection: connection, context: sql)
        }
        self.handle = statement
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Runs `body` on the statement rewound with every parameter NULL, and rewinds it again afterwards: a
    /// statement left mid-rows would hold its read snapshot (and block WAL checkpoints) until its next use.
    func use<T>(_ body: (SQLiteStatement) throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        // sqlite3_reset repeats the last step's error, which that step already reported.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        defer {
            sqlite3_reset(handle)
            // A value bound without a copy (`bind(borrowedUTF8:)`) must not stay bound past the call that lent it.
            sqlite3_clear_bindings(handle)
        }
        return try body(self)
    }

    /// Binds UTF-8 text to the 1-based parameter `index`.
    func bind(_ text: String, at index: Int32) throws(SQLiteError) {
        var text = text
        let rc = text.withUTF8 { utf8 in bindText(UnsafeRawBufferPointer(utf8), at: index) }
        try check(rc)
    }

    /// Binds bytes that are UTF-8 text (such as a JSON document) to parameter `index`, without making a String.
    func bind(utf8 bytes: [UInt8], at index: Int32) throws(SQLiteError) {
        let rc = bytes.withUnsafeBytes { bindText($0, at: index) }
        try check(rc)
    }

    /// Binds UTF-8 text to parameter `index` without copying it (SQLITE_STATIC): the bytes must stay valid until
    /// the statement's use ends, which clears its bindings.
    func bind(borrowedUTF8 utf8: UnsafeRawBufferPointer, at index: Int32) throws(SQLiteError) {
        let start = (utf8.baseAddress ?? UnsafeRawPointer(handle)).assumingMemoryBound(to: CChar.self)
        try check(sqlite3_bind_text64(handle, index, start, UInt64(utf8.count), nil, UInt8(SQLITE_UTF8)))
    }

    /// Binds an integer to parameter `index`.
    func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds a blob to parameter `index`.
    func bind(blob bytes: [UInt8], at index: Int32) throws(SQLiteError) {
        let rc = bytes.withUnsafeBytes { raw in
            // A nil pointer would bind NULL; a zero-length blob needs a real one.
            sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(handle), UInt64(raw.count),
                                tapedeck_sqlite_transient())
        }
        try check(rc)
    }

    /// Advances to the next row: true when there is one to read, false when the statement is done.
    package func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw SQLiteError(rc, connection: connection, context: sql)
    }

    /// Runs a statement that returns no rows (or whose rows do not matter) to completion.
    func run() throws(SQLiteError) {
        while try step() {}
    }

    /// How many columns each row has.
    package var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The 0-based column `index` of the current row as an integer.
    func int64(at index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// The column as text (NULL reads as empty).
    package func text(at index: Int32) -> String {
        withBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The column's bytes as text: what a TEXT column holds, without making a String.
    func bytes(at index: Int32) -> [UInt8] {
        withBytes(at: index) { Array($0) }
    }

    /// Calls `body` with the column's text bytes, valid only during the call.
    private func withBytes<T>(at index: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        // Column docs: call sqlite3_column_text first, then sqlite3_column_bytes, so the count is of the text form.
        let pointer = sqlite3_column_text(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    private func bindText(_ utf8: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        // A nil pointer would bind NULL; the empty string needs a real one.
        let start = (utf8.baseAddress ?? UnsafeRawPointer(handle)).assumingMemoryBound(to: CChar.self)
        return sqlite3_bind_text64(handle, index, start, UInt64(utf8.count), tapedeck_sqlite_transient(), UInt8(SQLITE_UTF8))
    }

    private func check(_ rc: Int32) throws(SQLiteError) {
        guard rc == SQLITE_OK else { throw SQLiteError(rc, connection: connection, context: sql) }
    }
}
