internal import CSQLite
import Glibc

/// A failed SQLite call: its result codes, SQLite's own message, and the SQL or file it concerns.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primary result code, e.g. `SQLITE_BUSY` (5).
    public let code: Int32
    /// The extended result code, e.g. `SQLITE_BUSY_SNAPSHOT` (517); equals `code` when there is no finer one.
    public let extendedCode: Int32
    /// What `sqlite3_errmsg` said right after the failure.
    public let message: String
    /// The SQL that ran, or the operation and file, e.g. `open tapes.db`.
    public let context: String
    /// The errno of the system call behind an I/O or open failure (`sqlite3_system_errno`), or 0.
    public let systemErrno: Int32

    /// Creates an error from an extended result code; the primary code is its low byte.
    public init(extendedCode: Int32, message: String, context: String, systemErrno: Int32 = 0) {
        self.code = extendedCode & 0xFF
        self.extendedCode = extendedCode
        self.message = message
        // Multi-line SQL reads as one line, so an error stays one line in a log.
        self.context = context.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        self.systemErrno = systemErrno
    }

    /// The error `connection` reports for the result code `rc` it just returned.
    init(_ rc: Int32, connection: OpaquePointer?, context: String) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        // sqlite3_system_errno(3) is set for SQLITE_IOERR and SQLITE_CANTOPEN only; elsewhere it may be stale.
        let primary = rc & 0xFF
        let errno = primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ? connection.map { sqlite3_system_errno($0) } ?? 0 : 0
        self.init(extendedCode: rc, message: message ?? String(cString: sqlite3_errstr(rc)), context: context, systemErrno: errno)
    }

    /// `context: message (SQLite code n[, extended m])`, with the system's reason first when one caused it:
    /// "disk I/O error" alone does not say that the file grew past the size limit.
    public var description: String {
        let codes = code == extendedCode ? "\(code)" : "\(code), extended \(extendedCode)"
        let cause = systemErrno == 0 ? "" : ": \(String(cString: strerror(systemErrno)))"
        return "\(context): \(message)\(cause) (SQLite code \(codes))"
    }
}

/// Lets `catch let error as SQLiteError where SQLITE_BUSY ~= error` read naturally; matches primary or extended codes.
public func ~= (code: Int32, error: SQLiteError) -> Bool {
    error.code == code || error.extendedCode == code
}

extension CassetteError {
    /// Runs `body`, reporting a SQLite failure as a `.database` error for the store file at `path`.
    static func database<T>(_ path: String, _ body: () throws(SQLiteError) -> T) throws(CassetteError) -> T {
        do {
            return try body()
        } catch {
            throw .database(path: path, error: error)
        }
    }
}
