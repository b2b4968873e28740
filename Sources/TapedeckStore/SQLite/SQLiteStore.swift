internal import CSQLite
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock

/// Cassettes as rows of one SQLite file: `cassettes` holds each one's document (the cassette file's JSON,
/// compact, keys sorted) and hit counts; `misses` counts requests that went upstream per model. Every row
/// belongs to a namespace, '' the shared one; a store sees one namespace and binds it into every statement.
///
/// Several processes can share the file: WAL lets readers run beside the one writer, every write is a
/// `BEGIN IMMEDIATE` transaction, and a busy file is waited for (up to `SQLiteDatabase.busyTimeoutMs`).
/// Within a process one connection writes, its uses serialised by a mutex, and reads run on reader connections
/// of their own (`SQLiteConnections`), so a read never waits behind a write.
public final class SQLiteStore: CassetteStore {
    /// The database file, as given.
    public let path: String
    /// The namespace this view shows; "" for the shared one.
    public let namespaceName: String
    /// Shared by every namespace's view of the file: the writer and the readers, statements compiled once each.
    private let connections: SQLiteConnections
    /// Shared by every namespace's view of the file: the `leases` table, on a connection of its own.
    let leases: SQLiteLeases

    /// Whether the file could only be opened for reading: cassettes are served, every save fails.
    public let isReadOnly: Bool
    /// The database's directory, watched once answers are served from memory; shared by every view.
    let watch: DirectoryWatch

    /// Opens the database at `path`, creating the file (not its directory) when `create` and migrating an older
    /// schema; a file that cannot be written (read-only mount, no write permission) is opened read-only instead. A
    /// file that is not a Tapedeck store is refused untouched (`SQLiteFileCheck`).
    public init(path: String, create: Bool = true) throws(CassetteError) {
        if try SQLiteFileCheck.check(path) == .missing, !create { throw .missingStore(location: path) }
        let database = try Self.open(path)
        let statements = try CassetteError.database(path) { () throws(SQLiteError) in try Statements(database) }
        self.path = path
        self.namespaceName = ""
        self.isReadOnly = database.isReadOnly
        self.connections = SQLiteConnections(writer: statements)
        self.leases = SQLiteLeases(path: path)
        self.watch = DirectoryWatch()
    }

    /// A view of `store`'s file through namespace `name`, on the same connection.
    private init(_ store: SQLiteStore, namespace name: String) {
        path = store.path
        namespaceName = name
        isReadOnly = store.isReadOnly
        connections = store.connections
        leases = store.leases
        watch = store.watch
    }

    /// A connection to `path` ready for the store: read-write with the schema current, or else read-only.
    ///
    /// A WAL file needs its `-shm` index to be read. Where the file or its directory cannot be written, SQLite
    /// opens it read-only and then fails to create that index (SQLITE_CANTOPEN) unless a writer keeps one; so
    /// the file is opened again read-only (`mode=ro`, which uses an existing index and so sees a live writer's
    /// commits), and failing that as immutable, which needs no index (a read-only mount changes nothing).
    private static func open(_ path: String) throws(CassetteError) -> SQLiteDatabase {
        let database = try CassetteError.database(path) { () throws(SQLiteError) in try SQLiteDatabase(path: path) }
        let refusal: CassetteError
        do {
            try SQLiteSchema.prepare(database)
            return database
        } catch {
            refusal = error
        }
        guard case .database(_, let cause) = refusal,
              database.isReadOnly || SQLITE_CANTOPEN ~= cause || SQLITE_READONLY ~= cause else { throw refusal }
        for access in [SQLiteDatabase.Access.readOnly, .immutable] {
            do {
                let readOnly = try CassetteError.database(path) { () throws(SQLiteError) in try SQLiteDatabase(path: path, access: access) }
                try SQLiteSchema.checkReadOnly(readOnly)
                return readOnly
            } catch {
                // A file that opens but has the wrong schema says so; one that cannot be read at all tells nothing
                // beyond the read-write attempt's own error.
                if case .database = error { continue }
                throw error
            }
        }
        throw refusal
    }

    /// `sqlite:PATH`, as `--store` names it, with the namespace when the view has one.
    public var description: String {
        namespaceName.isEmpty ? "sqlite:\(path)" : "sqlite:\(path) (namespace \(namespaceName))"
    }

    /// Where a user finds the cassette for `key`: the file and the row's key, after its namespace if it has one.
    public func location(of key: CacheKey) -> String {
        namespaceName.isEmpty ? "\(path)#\(key.hex)" : "\(path)#\(namespaceName)/\(key.hex)"
    }

    /// The store seen through namespace `name` ("" the shared one), sharing this one's connections and statements.
    public func namespace(_ name: String) throws(CassetteError) -> CassetteStore {
        try namespaceStore(name)
    }

    /// `namespace(_:)` as an `SQLiteStore`.
    public func namespaceStore(_ name: String) throws(CassetteError) -> SQLiteStore {
        if !name.isEmpty { _ = try Namespace.checked(name) }
        return name == namespaceName ? self : SQLiteStore(self, namespace: name)
    }

    /// Every namespace with a row `load` can find, sorted; a hand-written name `validate` refuses is left out.
    public func namespaces() throws(CassetteError) -> [String] {
        let names = try reading { statements throws(SQLiteError) in
            try statements.namespaces.use { namespaces throws(SQLiteError) in
                var names: [String] = []
                while try namespaces.step() { names.append(namespaces.text(at: 0)) }
                return names
            }
        }
        return names.filter { name in
            guard case .success = Namespace.validate(name) else { return false }
            return true
        }
    }

    /// One primary-key lookup; the row's document is decoded and checked against `key`.
    public func load(_ key: CacheKey) throws(CassetteError) -> Cassette? {
        let document = try reading { statements throws(SQLiteError) in
            try statements.load.use { load throws(SQLiteError) -> [UInt8]? in
                try load.bind(namespaceName, at: 1)
                try load.bind(key.hex, at: 2)
                return try load.step() ? load.bytes(at: 0) : nil
            }
        }
        guard let document else { return nil }
        // Decoded outside the lock, so a large document does not hold up other threads.
        return try decode(document, key: key)
    }

    /// The cassette's compact JSON document with sorted keys: the row's `document`.
    public func encode(_ cassette: Cassette) -> [UInt8] {
        layout.document(cassette.jsonValue)
    }

    /// Compact documents with sorted keys: a row's `document`.
    public var layout: CassetteLayout { .compactSorted }

    /// Inserts or replaces the cassette's row in one `BEGIN IMMEDIATE` transaction, keeping its hit counts.
    public func save(_ cassette: Cassette, encoded document: [UInt8]) throws(CassetteError) {
        try document.withBytes { raw throws(CassetteError) in try insert(cassette, document: raw) }
    }

    /// Writes the spooled document into its row in pieces, never holding it whole: the row is inserted (or its
    /// cassette replaced, hit counts kept) with a `zeroblob` of the document's size, then each piece the spool hands
    /// over is written at its offset (`SQLiteBlob`), all in one `BEGIN IMMEDIATE` transaction. SQLite's page cache
    /// spills to the WAL as it fills, so memory stays at a piece and the cache. The value is a BLOB of the same
    /// UTF-8 bytes a TEXT document holds; `load` reads either.
    public func saveVisible(_ cassette: Cassette, spooled spool: EventSpool) throws(CassetteError) -> DeferredSync {
        precondition(spool.layout == layout, "a spool for this store encodes in its layout")
        let size = spool.documentSize(cassette)
        var spoolError: CassetteError?
        do throws(SQLiteError) {
            try connections.writing { statements throws(SQLiteError) in
                try statements.database.writeTransaction { () throws(SQLiteError) in
                    let rowid = try statements.saveSized.use { save throws(SQLiteError) -> Int64 in
                        try bindRow(cassette, to: save)
                        try save.bind(Int64(size), at: 6)
                        guard try save.step() else {
                            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the insert returned no row", context: save.sql)
                        }
                        let rowid = save.int64(at: 0)
                        try save.run()
                        return rowid
                    }
                    let blob = try SQLiteBlob(statements.database, table: "cassettes", column: "document", rowid: rowid)
                    var filled = 0
                    do throws(CassetteError) {
                        try spool.document(cassette) { piece throws(CassetteError) in
                            guard filled + piece.count <= size else { throw .malformed("a spooled recording grew while it was read") }
                            do throws(SQLiteError) {
                                try blob.write(piece, at: filled)
                            } catch {
                                throw .database(path: path, error: error)
                            }
                            filled += piece.count
                        }
                        guard filled == size else { throw CassetteError.malformed("a spooled recording shrank while it was read") }
                    } catch {
                        // Rolled back by the transaction: nothing half-written is ever committed.
                        spoolError = error
                        throw SQLiteError(extendedCode: SQLITE_ABORT, message: "the spooled recording could not be read", context: "write \(location(of: cassette.key))")
                    }
                    try blob.close()
                }
            }
        } catch {
            if let spoolError { throw spoolError }
            throw .database(path: path, error: error)
        }
        return .none
    }

    /// The row's insert or replace, `document` bound without a copy (it outlives the statement's use).
    private func insert(_ cassette: Cassette, document: UnsafeRawBufferPointer) throws(CassetteError) {
        try locked { statements throws(SQLiteError) in
            try statements.database.writeTransaction { () throws(SQLiteError) in
                try statements.save.use { save throws(SQLiteError) in
                    try bindRow(cassette, to: save)
                    try save.bind(borrowedUTF8: document, at: 6)
                    try save.run()
                }
            }
        }
    }

    /// Binds the row's namespace, key, model, operation and time: parameters 1 to 5 of `save` and `saveSized`.
    private func bindRow(_ cassette: Cassette, to save: SQLiteStatement) throws(SQLiteError) {
        try save.bind(namespaceName, at: 1)
        try save.bind(cassette.key.hex, at: 2)
        try save.bind(cassette.modelId, at: 3)
        try save.bind(cassette.operation.rawValue, at: 4)
        try save.bind(cassette.recordedAt, at: 5)
    }

    /// Counts the rows `load` can find.
    public func count() throws(CassetteError) -> Int {
        try reading { statements throws(SQLiteError) in
            try statements.count.use { count throws(SQLiteError) in
                try count.bind(namespaceName, at: 1)
                return try count.step() ? Int(count.int64(at: 0)) : 0
            }
        }
    }

    /// Every row `load` can find, sorted by key.
    public func entries() throws(CassetteError) -> [StoreEntry] {
        let keys = try reading { statements throws(SQLiteError) in
            try statements.entries.use { entries throws(SQLiteError) in
                try entries.bind(namespaceName, at: 1)
                var keys: [CacheKey] = []
                while try entries.step() {
                    if let key = CacheKey(hex: entries.text(at: 0)) { keys.append(key) }
                }
                return keys
            }
        }
        return keys.map { StoreEntry(key: $0, location: location(of: $0)) }
    }

    /// Deletes the cassette's row, and with it its hit counts.
    public func remove(_ key: CacheKey) throws(CassetteError) -> Bool {
        try locked { statements throws(SQLiteError) in
            try statements.database.writeTransaction { () throws(SQLiteError) in
                try statements.remove.use { remove throws(SQLiteError) in
                    try remove.bind(namespaceName, at: 1)
                    try remove.bind(key.hex, at: 2)
                    try remove.run()
                    return statements.database.changes > 0
                }
            }
        }
    }

    /// How many statements the store's connection has compiled (they are compiled once, when it opens).
    var preparedStatementCount: Int { connections.writer.withLock { $0.database.preparedCount } }

    /// Runs `body` with the writing connection, alone; a SQLite failure becomes a `.database` error naming the file.
    func locked<T>(_ body: (Statements) throws(SQLiteError) -> T) throws(CassetteError) -> T {
        do {
            return try connections.writing(body)
        } catch {
            throw .database(path: path, error: error)
        }
    }

    /// Runs `body` with a reading connection no other thread is using: it never waits for the writer.
    func reading<T>(_ body: (Statements) throws(SQLiteError) -> T) throws(CassetteError) -> T {
        do {
            return try connections.reading(body)
        } catch {
            throw .database(path: path, error: error)
        }
    }

    /// How many reading connections are open and idle.
    var readerCount: Int { connections.readerCount }

    /// The cassette in a row's `document`, checked against the key it was looked up by.
    private func decode(_ document: [UInt8], key: CacheKey) throws(CassetteError) -> Cassette {
        try Cassette(row: document, key: key, location: location(of: key))
    }
}

/// Usage counts live in the database: hits in each cassette's row, misses in the `misses` table.
extension SQLiteStore {
    /// Adds the whole batch to this namespace's rows in one transaction; hits for a cassette no longer in the
    /// namespace are dropped.
    public func addUsage(_ batch: UsageCounts) throws(CassetteError) {
        guard !batch.isEmpty else { return }
        try locked { statements throws(SQLiteError) in
            try statements.database.writeTransaction { () throws(SQLiteError) in
                for (key, hits) in batch.hits {
                    try statements.addHits.use { add throws(SQLiteError) in
                        try add.bind(namespaceName, at: 1)
                        try add.bind(key.hex, at: 2)
                        try add.bind(Int64(hits.count), at: 3)
                        try add.bind(Int64(hits.lastHitAt), at: 4)
                        try add.run()
                    }
                }
                for (model, count) in batch.misses {
                    try statements.addMisses.use { add throws(SQLiteError) in
                        try add.bind(namespaceName, at: 1)
                        try add.bind(model, at: 2)
                        try add.bind(Int64(count), at: 3)
                        try add.run()
                    }
                }
            }
        }
    }

    /// Every hit count of a cassette still in the namespace, and its every miss count, read from one snapshot.
    public func usage() throws(CassetteError) -> UsageCounts {
        try reading { statements throws(SQLiteError) in
            try statements.database.readTransaction { () throws(SQLiteError) in
                var counts = UsageCounts()
                try statements.hits.use { hits throws(SQLiteError) in
                    try hits.bind(namespaceName, at: 1)
                    while try hits.step() {
                        guard let key = CacheKey(hex: hits.text(at: 0)) else { continue }
                        counts.hits[key] = UsageCounts.Hits(count: Int(hits.int64(at: 1)), lastHitAt: Int(hits.int64(at: 2)))
                    }
                }
                try statements.misses.use { misses throws(SQLiteError) in
                    try misses.bind(namespaceName, at: 1)
                    while try misses.step() { counts.misses[misses.text(at: 0)] = Int(misses.int64(at: 1)) }
                }
                return counts
            }
        }
    }
}

extension SQLiteStore {
    /// The store's connection and every statement it runs, each compiled once when the store opens.
    ///
    /// Not thread-safe: `SQLiteConnections` hands it to one thread at a time.
    final class Statements {
        let database: SQLiteDatabase
        let load: SQLiteStatement
        let save: SQLiteStatement
        let saveSized: SQLiteStatement
        let count: SQLiteStatement
        let entries: SQLiteStatement
        let remove: SQLiteStatement
        let addHits: SQLiteStatement
        let addMisses: SQLiteStatement
        let hits: SQLiteStatement
        let misses: SQLiteStatement
        let namespaces: SQLiteStatement

        /// Rows `load` can find: a key spelled as `CacheKey` spells it (a hand-edited row may not be).
        static let loadableKey = "length(key) = 64 AND key NOT GLOB '*[^0-9a-f]*'"

        /// Inserts a cassette's row, or replaces its cassette keeping its usage counts (re-recording), with `document`
        /// the SQL of its document.
        static func upsert(document: String) -> String {
            """
            INSERT INTO cassettes(namespace, key, model_id, operation, recorded_at, document)
            VALUES(?1, ?2, ?3, ?4, ?5, \(document))
            ON CONFLICT(namespace, key) DO UPDATE SET model_id = excluded.model_id, operation = excluded.operation,
            recorded_at = excluded.recorded_at, document = excluded.document
            """
        }

        /// Compiles every statement on `database`, whose schema is current.
        init(_ database: SQLiteDatabase) throws(SQLiteError) {
            self.database = database
            // ?1 is always the namespace, so one compiled statement serves every view.
            load = try database.prepare("SELECT document FROM cassettes WHERE namespace = ?1 AND key = ?2")
            save = try database.prepare(Self.upsert(document: "?6"))
            // A document written afterwards in pieces: ?6 is its size; the row's rowid comes back.
            saveSized = try database.prepare(Self.upsert(document: "zeroblob(?6)") + " RETURNING rowid")
            count = try database.prepare("SELECT count(*) FROM cassettes WHERE namespace = ?1 AND \(Self.loadableKey)")
            entries = try database.prepare(
                "SELECT key FROM cassettes WHERE namespace = ?1 AND \(Self.loadableKey) ORDER BY key")
            remove = try database.prepare("DELETE FROM cassettes WHERE namespace = ?1 AND key = ?2")
            // A hit for a cassette removed since changes no row: there is nothing left to count it against.
            addHits = try database.prepare("""
                UPDATE cassettes SET hits = hits + ?3, last_hit_at = max(last_hit_at, ?4)
                WHERE namespace = ?1 AND key = ?2
                """)
            addMisses = try database.prepare("""
                INSERT INTO misses(namespace, model_id, count) VALUES(?1, ?2, ?3)
                ON CONFLICT(namespace, model_id) DO UPDATE SET count = count + excluded.count
                """)
            hits = try database.prepare(
                "SELECT key, hits, last_hit_at FROM cassettes WHERE namespace = ?1 AND hits > 0 AND \(Self.loadableKey)")
            misses = try database.prepare("SELECT model_id, count FROM misses WHERE namespace = ?1")
            namespaces = try database.prepare(
                "SELECT DISTINCT namespace FROM cassettes WHERE namespace <> '' AND \(Self.loadableKey) ORDER BY namespace")
        }
    }
}
