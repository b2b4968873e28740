internal import CSQLite
import TapedeckCodec

/// One SQLite connection (`sqlite3*`), opened read-write (created if missing) or read-only, closed in `deinit`.
///
/// Opened with `SQLITE_OPEN_NOMUTEX`: a connection is used through prepared statements, and each use is a
/// sequence (reset, bind, step, read columns) that must not interleave with another thread's. SQLite's
/// FULLMUTEX locks only single calls, so the owner must serialise whole uses anyway; `SQLiteStore` does that
/// with one `Mutex`, and a second lock inside SQLite would add cost and nothing else. Not `Sendable`.
package final class SQLiteDatabase {
    /// The `sqlite3*`.
    let handle: OpaquePointer
    /// The file, as given.
    let path: String
    /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
    static let busyTimeoutMs: Int32 = 10_000
    /// How many statements this connection has compiled, so tests can see that statements are reused.
    private(set) var preparedCount = 0
    /// `BEGIN IMMEDIATE`, `BEGIN`, `COMMIT` and `ROLLBACK`, compiled when the connection opens (so an error
    /// path never has to compile its ROLLBACK).
    private var transactionStatements: [String: SQLiteStatement] = [:]

    /// How this connection was opened.
    package let access: Access

    /// How a connection may use its file.
    package enum Access: Sendable {
        /// Read and write, creating the file if missing.
        case readWrite
        /// Read only, through the WAL index (`-shm`) that SQLite needs for a WAL file: it must exist already (a
        /// writer has the file open, or left it behind) or be creatable beside the file (URI `mode=ro`).
        case readOnly
        /// Read only, without locks or a WAL index (URI `immutable=1`): for a file nothing changes while it is open,
        /// such as one on a read-only mount, where the `-shm` a WAL file needs can be neither found nor created.
        case immutable
    }

    /// Opens the database file at `path` (with `.readWrite`, creating it if missing); the path is taken literally.
    package init(path: String, access: Access = .readWrite) throws(SQLiteError) {
        var connection: OpaquePointer?
        let rc: Int32
        switch access {
        case .readWrite:
            rc = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        case .readOnly, .immutable:
            // Only a URI can ask for these; its path is percent-encoded, so the file name is still taken literally.
            let uri = "file:\(Self.uriPath(path))?\(access == .readOnly ? "mode=ro" : "immutable=1")"
            rc = sqlite3_open_v2(uri, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        }
        guard rc == SQLITE_OK, let connection else {
            let error = SQLiteError(rc, connection: connection, context: "open \(path)")
            // sqlite3_open_v2: a handle is returned even on failure and must still be closed.
            sqlite3_close_v2(connection)
            throw error
        }
        handle = connection
        self.path = path
        self.access = access
        sqlite3_extended_result_codes(connection, 1)
        sqlite3_busy_timeout(connection, Self.busyTimeoutMs)
        for sql in ["BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK"] {
            transactionStatements[sql] = try prepare(sql)
        }
    }

    deinit {
        // sqlite3_close_v2 defers the close until any statement still alive is finalized.
        sqlite3_close_v2(handle)
    }

    /// Whether this connection cannot write (asked for read-only, or SQLite found the file not writable).
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// `path` as the path part of a SQLite URI (https://sqlite.org/uri.html): every byte but unreserved ones and
    /// `/` percent-encoded, so `?`, `#` and `%` in a file name stay part of it; an absolute path gets an empty
    /// authority (`file:///…`), so one starting with `//` is not read as a host.
    static func uriPath(_ path: String) -> String {
        var encoded = path.hasPrefix("/") ? "//" : ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + HexDigits.upper(byte)
            }
        }
        return encoded
    }

    /// Compiles `sql` into a statement meant to be kept and reused.
    package func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        preparedCount += 1
        return try SQLiteStatement(sql, connection: handle)
    }

    /// Runs one or more SQL statements once, ignoring any rows (schema changes, pragmas).
    package func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: text, context: sql)
        }
    }

    /// The first column of the first row `sql` returns, as text; nil when it returns no row.
    package func text(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try SQLiteStatement(sql, connection: handle, persistent: false)
        return try statement.step() ? statement.text(at: 0) : nil
    }

    /// The first column of every row `sql` returns, as text.
    func texts(_ sql: String) throws(SQLiteError) -> [String] {
        let statement = try SQLiteStatement(sql, connection: handle, persistent: false)
        var texts: [String] = []
        while try statement.step() { texts.append(statement.text(at: 0)) }
        return texts
    }

    /// The first column of the first row `sql` returns, as an integer; nil when it returns no row.
    func integer(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try SQLiteStatement(sql, connection: handle, persistent: false)
        return try statement.step() ? statement.int64(at: 0) : nil
    }

    /// Turns on write-ahead logging, which the file keeps, and `synchronous=NORMAL` for this connection.
    ///
    /// In WAL mode readers never block the writer nor each other, across processes too; NORMAL syncs at
    /// checkpoints rather than every commit, which WAL keeps consistent (a power loss may lose the last commits).
    func useWriteAheadLog() throws(SQLiteError) {
        // Reading the header first makes this connection see a file that is already WAL as WAL, so after the
        // first open there is nothing to convert and no lock to take.
        _ = try userVersion()
        var waitedMs: Int32 = 0
        var pauseMs: Int32 = 1
        while try text("PRAGMA journal_mode")?.lowercased() != "wal" {
            let sql = "PRAGMA journal_mode=WAL"
            let refusal: SQLiteError
            do {
                let mode = try text(sql)
                if mode?.lowercased() == "wal" { break }
                refusal = SQLiteError(extendedCode: SQLITE_BUSY, message: "journal mode stayed \(mode ?? "unknown"), not wal", context: sql)
            } catch where SQLITE_BUSY ~= error {
                refusal = error
            }
            // Converting needs the file to itself, and SQLite does not run the busy handler for it (another
            // connection opening the same new file at once is enough): wait and retry within the busy timeout.
            guard waitedMs < Self.busyTimeoutMs else { throw refusal }
            sqlite3_sleep(pauseMs)
            waitedMs += pauseMs
            pauseMs = min(pauseMs * 2, 50)
        }
        try execute("PRAGMA synchronous=NORMAL")
    }

    /// `PRAGMA user_version`: the schema version the file records.
    func userVersion() throws(SQLiteError) -> Int {
        Int(try integer("PRAGMA user_version") ?? 0)
    }

    /// Records `version` as the file's schema version.
    func setUserVersion(_ version: Int) throws(SQLiteError) {
        try execute("PRAGMA user_version = \(version)")
    }

    /// How many rows the last INSERT, UPDATE or DELETE changed.
    var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Whether no transaction is open (SQLite rolls some back by itself after errors such as SQLITE_FULL).
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }
}

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
