import TapedeckSystem

/// The connections an `SQLiteStore` (and every namespace view of it) uses: one writer, and readers as many as
/// threads read at once.
///
/// WAL lets readers run beside a writer, in this process and in others, so a read never waits for a write: not
/// for the writer's mutex while it waits (up to the busy timeout) for another process's write lock, nor for its
/// commit. A reader sees every commit made before its statement starts.
final class SQLiteConnections: Sendable {
    /// The one connection that writes; its uses are serialised by the mutex.
    let writer: Mutex<SQLiteStore.Statements>
    /// Reader connections not in use; a read takes one (or opens one) and gives it back.
    private let idleReaders = Mutex([SQLiteStore.Statements]())
    private let path: String
    private let access: SQLiteDatabase.Access

    /// Connections to the file `writer` has open; readers are opened the way it was, on first need.
    init(writer: SQLiteStore.Statements) {
        path = writer.database.path
        access = writer.database.access
        self.writer = Mutex(writer)
    }

    /// Runs `body` with the writer, alone.
    func writing<T>(_ body: (SQLiteStore.Statements) throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        let result = writer.withLock { statements in
            Result { () throws(SQLiteError) -> T in try body(statements) }
        }
        return try result.get()
    }

    /// Runs `body` with a reader no other thread is using.
    func reading<T>(_ body: (SQLiteStore.Statements) throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        let reader: SQLiteStore.Statements
        if let idle = idleReaders.withLock({ $0.popLast() }) {
            reader = idle
        } else {
            reader = try SQLiteStore.Statements(try SQLiteDatabase(path: path, access: access))
        }
        defer { idleReaders.withLock { $0.append(reader) } }
        return try body(reader)
    }

    /// How many reader connections are open (idle ones; for tests, with no read running).
    var readerCount: Int { idleReaders.withLock { $0.count } }
}
