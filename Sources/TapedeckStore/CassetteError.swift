import Glibc
import TapedeckSystem

/// Why a cassette could not be read or written, with the file or store it concerns.
public enum CassetteError: Error, Sendable, CustomStringConvertible {
    /// The bytes are not a cassette this build can read.
    case malformed(String)
    /// A cassette at `path` could not be decoded.
    case corrupt(path: String, reason: String)
    /// A cassette written by a newer Tapedeck, in a format this build cannot read; it is never overwritten.
    case newerFormat(path: String, format: Int)
    /// A `--store` value this build cannot open.
    case unsupportedStore(String)
    /// A file operation failed.
    case io(path: String, error: SystemError)
    /// A database store's file could not be opened, read or written.
    case database(path: String, error: SQLiteError)
    /// A PostgreSQL store's server could not be reached, or a statement failed; `store` is named with its password
    /// masked.
    case postgres(store: String, error: PostgresError)
    /// A PostgreSQL store whose schema a newer Tapedeck wrote (this build knows up to `known`); it is left as it is.
    case newerDatabaseSchema(store: String, version: Int, known: Int)
    /// A database store whose schema a newer Tapedeck wrote; it is left exactly as it is.
    case newerSchema(path: String, version: Int)
    /// A database store with an older schema that cannot be migrated, because the file cannot be written.
    case readOnlyMigration(path: String, version: Int)
    /// `--store` names a file that is not a Tapedeck store (another program's database, not SQLite at all); it is
    /// left exactly as it was.
    case foreignFile(path: String, reason: String)
    /// A command that only reads was given a store that does not exist; only a command that records makes one.
    case missingStore(location: String)
    /// A namespace name `Namespace.validate` refuses, so no store can be opened through it.
    case invalidNamespace(name: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed cassette: \(reason)"
        case .unsupportedStore(let reason): return reason
        case .newerFormat(let path, let format):
            return "cassette \(path) has format \(format), written by a newer Tapedeck; this one reads up to \(Cassette.formatVersion)"
        case .corrupt(let path, let reason): return "corrupt cassette \(path): \(reason)"
        case .io(let path, let error): return "\(error.call) \(path): \(String(cString: strerror(error.errno)))"
        case .database(let path, let error): return "store \(path): \(error)"
        case .postgres(let store, let error): return "store \(store): \(error)"
        case .newerDatabaseSchema(let store, let version, let known):
            return "store \(store) has schema version \(version), written by a newer Tapedeck; this one knows up to \(known) and leaves it unchanged"
        case .newerSchema(let path, let version):
            return "store \(path) has schema version \(version), written by a newer Tapedeck; this one knows up to \(SQLiteSchema.currentVersion) and leaves it unchanged"
        case .readOnlyMigration(let path, let version):
            return "store \(path) has schema version \(version), older than this Tapedeck's \(SQLiteSchema.currentVersion), and is read-only, so it cannot be migrated; open it once where it can be written"
        case .foreignFile(let path, let reason):
            return "\(path) is not a Tapedeck store: \(reason); it was left untouched (give --store a new file, or an existing store)"
        case .missingStore(let location):
            return "no store at \(location); serve --mode auto or record creates it"
        case .invalidNamespace(let name, let reason):
            // Escaped, so a control character in the name cannot hide in a terminal or a log line.
            return "invalid namespace \(String(reflecting: name)): \(reason)"
        }
    }
}

extension CassetteError {
    /// Whether the cassette exists but belongs to a newer Tapedeck.
    public var isNewerFormat: Bool {
        if case .newerFormat = self { return true }
        return false
    }

    /// Whether the store could not be reached at all (a database that is away), so nothing is known of the cassette.
    public var isUnreachable: Bool {
        if case .postgres(_, let failure) = self { return failure.connectionLost }
        return false
    }
}

extension CassetteError {
    /// Runs `body`, reporting a PostgreSQL failure as a `.postgres` error for the store named `store` (masked).
    static func postgres<T>(_ store: String, _ body: () throws(PostgresError) -> T) throws(CassetteError) -> T {
        do {
            return try body()
        } catch {
            throw .postgres(store: store, error: error)
        }
    }
}
