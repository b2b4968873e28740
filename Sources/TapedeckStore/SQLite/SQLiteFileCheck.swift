import Glibc
import TapedeckSystem

/// Whether the file `--store sqlite:FILE` names may be opened as a Tapedeck store, decided from its bytes alone,
/// before SQLite touches it: a file of another application (its database, its journal mode, its `-wal` and `-shm`)
/// is refused without a single byte changed.
///
/// A Tapedeck store says so in its header's application id (`PRAGMA application_id`, offset 68, written before the
/// file first turns to WAL, so the main file always carries it). A store from before the id (schema versions 1–5)
/// is recognised by its tables, read through an immutable connection, which takes no lock and makes no file.
enum SQLiteFileCheck {
    /// What the file is.
    enum Verdict: Equatable {
        /// No file: a new store is made.
        case missing
        /// An empty file, as `touch` leaves: a new store is made in it.
        case empty
        /// A Tapedeck store with the application id.
        case store
        /// A Tapedeck store from before the application id; opening it for writing adds the id.
        case storeWithoutID
    }

    /// Tapedeck's `PRAGMA application_id`: "TPDK".
    static let applicationID: UInt32 = 0x5450_444B

    /// The SQLite database header's first 16 bytes (https://sqlite.org/fileformat.html §1.3).
    private static let magic = Array("SQLite format 3\0".utf8)

    /// The tables a Tapedeck store has ever had, the migrations' temporary ones included.
    private static let storeTables: Set<String> = ["cassettes", "misses", "leases", "cassettes_v3", "misses_v3", "cassettes_v5"]

    /// What the file at `path` is, or the reason it is not a Tapedeck store (`CassetteError.foreignFile`).
    static func check(_ path: String) throws(CassetteError) -> Verdict {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if code == ENOENT { return .missing }
            throw .io(path: path, error: SystemError("stat", errno: code))
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .foreignFile(path: path, reason: "it is not a regular file") }
        if info.st_size == 0 {
            // A database whose every page is still in its write-ahead log has an empty main file: someone's.
            var log = stat()
            if stat(path + "-wal", &log) == 0, log.st_size > 0 {
                throw .foreignFile(path: path, reason: "it is empty but has a non-empty \(path)-wal beside it, so another program is writing it")
            }
            return .empty
        }
        let header = try Self.header(path)
        guard header.count == 100, Array(header[0..<16]) == magic else {
            throw .foreignFile(path: path, reason: "it is not a SQLite database")
        }
        let id = bigEndian(header, at: 68)
        if id == applicationID { return .store }
        guard id == 0 else {
            throw .foreignFile(path: path, reason: "it is the SQLite database of another application (application_id \(id))")
        }
        let version = bigEndian(header, at: 60)
        let tables = try Self.tables(path)
        guard (1...UInt32(SQLiteSchema.currentVersion)).contains(version), tables.contains("cassettes"),
              tables.isSubset(of: storeTables) else {
            let named = tables.isEmpty ? "no tables" : "tables " + tables.sorted().prefix(5).joined(separator: ", ")
            throw .foreignFile(path: path, reason: "it is a SQLite database with \(named) and user_version \(version)")
        }
        return .storeWithoutID
    }

    /// The first 100 bytes of `path` (fewer when it is shorter).
    private static func header(_ path: String) throws(CassetteError) -> [UInt8] {
        do {
            return try Syscall.readPrefix(path, count: 100)
        } catch {
            throw .io(path: path, error: error)
        }
    }

    /// The names of the tables in `path`'s main file, read without a lock, a journal or a WAL index.
    private static func tables(_ path: String) throws(CassetteError) -> Set<String> {
        try CassetteError.database(path) { () throws(SQLiteError) -> Set<String> in
            let database = try SQLiteDatabase(path: path, access: .immutable)
            return Set(try database.texts("SELECT name FROM sqlite_master WHERE type = 'table'"))
        }
    }

    /// The big-endian 32-bit number at `offset` of `bytes`.
    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
