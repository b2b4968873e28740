import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock

/// Cassettes as rows of a PostgreSQL database many Tapedeck processes on many machines share: a team cache.
///
/// `tapedeck_cassettes` holds each cassette's document (compact JSON, keys sorted, as bytea: the bytes that went in
/// come back) with its hit counts and a `revision` that every save renews; `tapedeck_misses` counts requests that
/// went upstream per model; `tapedeck_leases` says which process is recording which key. Every row belongs to a
/// namespace, '' the shared one; a store sees one namespace and binds it into every statement.
///
/// Each statement is one round trip on a pooled connection (`PostgresPool`, which reconnects); writes are single
/// upserts, so a save is all or nothing and readers in every process see it once it returns. The URL is handed to
/// libpq and nowhere else: the store is named by `url.masked`.
public final class PostgresStore: CassetteStore {
    /// The URL, its password masked when it is shown.
    public let url: PostgresURL
    /// The namespace this view shows; "" for the shared one.
    public let namespaceName: String
    /// Shared by every namespace's view of the database.
    let pool: PostgresPool
    /// What a serving process adds (`serveThroughOutages`): remembered revisions, the listener, the outbox. Shared
    /// by every namespace's view; nil for commands.
    let serving: Mutex<PostgresServing?>

    /// Connects to the database `url` names and makes its schema current (creating it when `create`; without, a
    /// database with no Tapedeck tables is refused as a missing store). A newer schema is refused untouched.
    public init(url raw: String, create: Bool = true) throws(CassetteError) {
        let url = try PostgresURL(raw)
        self.url = url
        self.namespaceName = ""
        self.pool = PostgresPool(url: url)
        self.serving = Mutex(nil)
        try PostgresSchema.prepare(pool, store: url.masked, create: create)
    }

    /// A view of `store`'s database through namespace `name`, on the same pool.
    private init(_ store: PostgresStore, namespace name: String) {
        url = store.url
        namespaceName = name
        pool = store.pool
        serving = store.serving
    }

    /// The server accepts writes; a read-only role's saves fail as errors.
    public var isReadOnly: Bool { false }

    /// The URL as `--store` names it, password masked, with the namespace when the view has one.
    public var description: String {
        namespaceName.isEmpty ? url.masked : "\(url.masked) (namespace \(namespaceName))"
    }

    /// Where a user finds the cassette for `key`: the database and the row's key, after its namespace if it has one.
    public func location(of key: CacheKey) -> String {
        namespaceName.isEmpty ? "\(url.masked)#\(key.hex)" : "\(url.masked)#\(namespaceName)/\(key.hex)"
    }

    /// The store seen through namespace `name` ("" the shared one), sharing this one's connections.
    public func namespace(_ name: String) throws(CassetteError) -> CassetteStore {
        if !name.isEmpty { _ = try Namespace.checked(name) }
        return name == namespaceName ? self : PostgresStore(self, namespace: name)
    }

    /// Rows `load` can find: a key spelled as `CacheKey` spells it (a hand-edited row may not be).
    static let loadableKey = "key ~ '^[0-9a-f]{64}$'"

    /// Every namespace with a row `load` can find, sorted; a hand-written name `validate` refuses is left out.
    public func namespaces() throws(CassetteError) -> [String] {
        let rows = try run { connection throws(PostgresError) in
            try connection.execute(
                "SELECT DISTINCT namespace FROM tapedeck_cassettes WHERE namespace <> '' AND \(Self.loadableKey) ORDER BY namespace")
        }
        return (0..<rows.rowCount).map { rows.text($0, 0) }.filter { name in
            guard case .success = Namespace.validate(name) else { return false }
            return true
        }
    }

    /// One primary-key lookup; the row's document is decoded and checked against `key`.
    public func load(_ key: CacheKey) throws(CassetteError) -> Cassette? {
        if let queued = serving.withLock({ $0 })?.outbox.recording(for: slot(key)) { return queued.cassette }
        let rows = try run { connection throws(PostgresError) in
            try connection.execute(
                "SELECT document FROM tapedeck_cassettes WHERE namespace = $1 AND key = $2", [.text(namespaceName), .text(key.hex)])
        }
        guard rows.rowCount == 1 else { return nil }
        return try decode(rows.bytes(0, 0), key: key)
    }

    /// The row's `revision`, renewed by every save: one indexed read of one number, no document. A serving
    /// process answers from memory what its listener keeps current (`PostgresRevisions`), and while the database
    /// is away, whatever it remembers.
    public func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion? {
        guard let serving = serving.withLock({ $0 }) else { return try readRevision(key).map { Self.version($0) } }
        let slot = slot(key)
        if let queued = serving.outbox.recording(for: slot) { return Self.version(queued.ticket) }
        serving.listener.catchUp()
        if let known = serving.revisions.current(slot) { return known.map { Self.version($0) } }
        let epoch = serving.revisions.epoch
        do {
            let revision = try readRevision(key)
            serving.revisions.remember(revision, for: slot, readAfter: epoch)
            return revision.map { Self.version($0) }
        } catch {
            guard case .postgres(_, let failure) = error, failure.connectionLost,
                  let known = serving.revisions.lastSeen(slot) else { throw error }
            return known.map { Self.version($0) }
        }
    }

    /// While a serving process listens for changes, the revision it remembers is the row's (`PostgresRevisions`).
    public func changeStamp(for key: CacheKey) -> ChangeStamp? {
        guard let serving = serving.withLock({ $0 }), serving.revisions.listening else { return nil }
        return .listening
    }

    /// Whether the revision remembered for `key`, with the notifications already on the socket taken in (a `poll`
    /// that never waits), is still `version`'s: never a round trip.
    public func isUnchanged(_ key: CacheKey, version: CassetteVersion, since stamp: ChangeStamp) -> Bool {
        guard stamp == .listening, let serving = serving.withLock({ $0 }) else { return false }
        serving.listener.catchUp()
        guard case .some(.some(let revision)) = serving.revisions.current(slot(key)) else { return false }
        return version == Self.version(revision)
    }

    /// The version a row's revision (or a queued recording's ticket) stands for.
    static func version(_ revision: Int64) -> CassetteVersion {
        CassetteVersion(Int(revision), 0, 0, 0, 0, 0)
    }

    /// The slot `key` fills in this view's namespace.
    func slot(_ key: CacheKey) -> PostgresRevisions.Slot {
        PostgresRevisions.Slot(namespace: namespaceName, key: key)
    }

    /// The row's revision read from the database; nil when there is no row.
    private func readRevision(_ key: CacheKey) throws(CassetteError) -> Int64? {
        let rows = try run { connection throws(PostgresError) in
            try connection.execute(
                "SELECT revision FROM tapedeck_cassettes WHERE namespace = $1 AND key = $2", [.text(namespaceName), .text(key.hex)])
        }
        guard rows.rowCount == 1 else { return nil }
        return try CassetteError.postgres(description) { () throws(PostgresError) in try rows.int64(0, 0) }
    }

    /// The cassette's compact JSON document with sorted keys: the row's `document`.
    public func encode(_ cassette: Cassette) -> [UInt8] {
        layout.document(cassette.jsonValue)
    }

    /// Compact documents with sorted keys: a row's `document`.
    public var layout: CassetteLayout { .compactSorted }

    /// Inserts or replaces the cassette's row in one statement, keeping its hit counts and renewing its revision
    /// (the schema's trigger notifies every listener in the same transaction). A serving process whose database is
    /// away queues the recording (`PostgresOutbox`) and answers it from memory until it is written.
    public func save(_ cassette: Cassette, encoded document: [UInt8]) throws(CassetteError) {
        let slot = slot(cassette.key)
        guard let serving = serving.withLock({ $0 }) else {
            return try run { connection throws(PostgresError) in try Self.write(slot, cassette, document, on: connection) }
        }
        defer { serving.revisions.forget(slot) }
        if serving.outbox.isEmpty && !pool.away {
            do {
                return try run { connection throws(PostgresError) in try Self.write(slot, cassette, document, on: connection) }
            } catch {
                guard case .postgres(_, let failure) = error, failure.connectionLost else { throw error }
            }
        }
        guard serving.outbox.enqueue(slot, cassette, document: document) else {
            throw .postgres(store: description, error: PostgresError(
                sqlState: "", message: "the database is unreachable and the queue for it is full", context: "save",
                connectionLost: true))
        }
    }

    /// The upsert of one cassette's row: one statement, so all of it or nothing.
    static func write(
        _ slot: PostgresRevisions.Slot, _ cassette: Cassette, _ document: [UInt8], on connection: PostgresConnection
    ) throws(PostgresError) {
        try connection.execute("""
            INSERT INTO tapedeck_cassettes(namespace, key, model_id, operation, recorded_at, revision, document)
            VALUES($1, $2, $3, $4, $5, nextval('tapedeck_revisions'), $6)
            ON CONFLICT(namespace, key) DO UPDATE SET model_id = excluded.model_id, operation = excluded.operation,
            recorded_at = excluded.recorded_at, revision = excluded.revision, document = excluded.document
            """, [
                .text(slot.namespace), .text(cassette.key.hex), .text(cassette.modelId), .text(cassette.operation.rawValue),
                .text(cassette.recordedAt), .bytes(document),
            ])
    }

    /// Counts the rows `load` can find.
    public func count() throws(CassetteError) -> Int {
        let rows = try run { connection throws(PostgresError) in
            try connection.execute(
                "SELECT count(*) FROM tapedeck_cassettes WHERE namespace = $1 AND \(Self.loadableKey)", [.text(namespaceName)])
        }
        return Int(try CassetteError.postgres(description) { () throws(PostgresError) in try rows.int64(0, 0) })
    }

    /// Every row `load` can find, sorted by key.
    public func entries() throws(CassetteError) -> [StoreEntry] {
        let rows = try run { connection throws(PostgresError) in
            try connection.execute(
                "SELECT key FROM tapedeck_cassettes WHERE namespace = $1 AND \(Self.loadableKey) ORDER BY key COLLATE \"C\"",
                [.text(namespaceName)])
        }
        return (0..<rows.rowCount).compactMap { CacheKey(hex: rows.text($0, 0)) }.map { StoreEntry(key: $0, location: location(of: $0)) }
    }

    /// Deletes the cassette's row, and with it its hit counts.
    public func remove(_ key: CacheKey) throws(CassetteError) -> Bool {
        defer { serving.withLock({ $0 })?.revisions.forget(slot(key)) }
        let rows = try run { connection throws(PostgresError) in
            try connection.execute(
                "DELETE FROM tapedeck_cassettes WHERE namespace = $1 AND key = $2", [.text(namespaceName), .text(key.hex)])
        }
        return rows.affectedRows > 0
    }

    /// Runs `body` on a pooled connection (once more on a new one if the first was lost); a failure becomes a
    /// `.postgres` error naming the store, password masked.
    @discardableResult
    func run<T>(retry: Bool = true, _ body: (PostgresConnection) throws(PostgresError) -> T) throws(CassetteError) -> T {
        do {
            return try pool.run(retry: retry, body)
        } catch {
            throw .postgres(store: description, error: error)
        }
    }

    /// The cassette in a row's `document`, checked against the key it was looked up by.
    private func decode(_ document: [UInt8], key: CacheKey) throws(CassetteError) -> Cassette {
        try Cassette(row: document, key: key, location: location(of: key))
    }
}
