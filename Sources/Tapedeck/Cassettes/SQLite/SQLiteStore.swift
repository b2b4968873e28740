/// Cassettes as rows of one SQLite file: `cassettes` holds each one's document (the cassette file's JSON,
/// compact, keys sorted) and hit counts; `misses` counts requests that went upstream per model.
///
/// Several processes can share the file: WAL lets readers run beside the one writer, every write is a
/// `BEGIN IMMEDIATE` transaction, and a busy file is waited for (up to `SQLiteDatabase.busyTimeoutMs`).
/// Within a process one connection serves every thread, its uses serialised by a mutex.
public final class SQLiteStore: CassetteStore, @unchecked Sendable {
    /// The database file, as given.
    public let path: String
    private let statements: Mutex<Statements>

    /// Opens the database at `path`, creating the file (not its directory) and migrating an older schema.
    public init(path: String) throws(CassetteError) {
        let database = try CassetteError.database(path) { () throws(SQLiteError) in try SQLiteDatabase(path: path) }
        try SQLiteSchema.prepare(database)
        let statements = try CassetteError.database(path) { () throws(SQLiteError) in try Statements(database) }
        self.path = path
        self.statements = Mutex(statements)
    }

    public var description: String { "sqlite:\(path)" }

    /// Where a user finds the cassette for `key`: the file and the row's key.
    public func location(of key: CacheKey) -> String { "\(path)#\(key.hex)" }

    public func load(_ key: CacheKey) throws(CassetteError) -> Cassette? {
        let document = try locked { statements throws(SQLiteError) in
            try statements.load.use { load throws(SQLiteError) -> [UInt8]? in
                try load.bind(key.hex, at: 1)
                return try load.step() ? load.bytes(at: 0) : nil
            }
        }
        guard let document else { return nil }
        // Decoded outside the lock, so a large document does not hold up other threads.
        return try decode(document, key: key)
    }

    public func save(_ cassette: Cassette) throws(CassetteError) {
        let document = JSONWriter.compact(Self.sortingKeys(cassette.jsonValue))
        try locked { statements throws(SQLiteError) in
            try statements.database.writeTransaction { () throws(SQLiteError) in
                try statements.save.use { save throws(SQLiteError) in
                    try save.bind(cassette.key.hex, at: 1)
                    try save.bind(cassette.modelId, at: 2)
                    try save.bind(cassette.operation.rawValue, at: 3)
                    try save.bind(cassette.recordedAt, at: 4)
                    try save.bind(utf8: document, at: 5)
                    try save.run()
                }
            }
        }
    }

    /// Counts the rows `load` can find.
    public func count() throws(CassetteError) -> Int {
        try locked { statements throws(SQLiteError) in
            try statements.count.use { count throws(SQLiteError) in try count.step() ? Int(count.int64(at: 0)) : 0 }
        }
    }

    /// Every row `load` can find, sorted by key.
    public func entries() throws(CassetteError) -> [StoreEntry] {
        let keys = try locked { statements throws(SQLiteError) in
            try statements.entries.use { entries throws(SQLiteError) in
                var keys: [CacheKey] = []
                while try entries.step() {
                    if let key = CacheKey(hex: entries.text(at: 0)) { keys.append(key) }
                }
                return keys
            }
        }
        return keys.map { StoreEntry(key: $0, location: location(of: $0)) }
    }

    public func remove(_ key: CacheKey) throws(CassetteError) -> Bool {
        try locked { statements throws(SQLiteError) in
            try statements.database.writeTransaction { () throws(SQLiteError) in
                try statements.remove.use { remove throws(SQLiteError) in
                    try remove.bind(key.hex, at: 1)
                    try remove.run()
                    return statements.database.changes > 0
                }
            }
        }
    }

    /// How many statements the store's connection has compiled (they are compiled once, when it opens).
    var preparedStatementCount: Int { statements.withLock { $0.database.preparedCount } }

    /// Runs `body` with the connection, alone; a SQLite failure becomes a `.database` error naming the file.
    func locked<T>(_ body: (Statements) throws(SQLiteError) -> T) throws(CassetteError) -> T {
        let result = statements.withLock { statements in
            Result { () throws(SQLiteError) -> T in try body(statements) }
        }
        return try result.mapError { CassetteError.database(path: path, error: $0) }.get()
    }

    /// `value` with every object's members in the order a cassette file has them, so a cassette reads back
    /// the same from this store as from a `JSONFileStore`, and a re-recorded row differs only where the answer did.
    static func sortingKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .null, .bool, .number, .string: value
        case .array(let elements): .array(elements.map(sortingKeys))
        case .object(let members): .object(JSONWriter.sortedByUTF16(members).map { JSONMember($0.key, sortingKeys($0.value)) })
        }
    }

    /// The cassette in a row's `document`, checked against the key it was looked up by.
    private func decode(_ document: [UInt8], key: CacheKey) throws(CassetteError) -> Cassette {
        let location = location(of: key)
        let json: JSONValue
        do {
            json = try JSONParser.parse(document)
        } catch {
            throw .corrupt(path: location, reason: error.description)
        }
        let cassette: Cassette
        do {
            cassette = try Cassette(json: json)
        } catch {
            if case .newerFormat(_, let format) = error { throw .newerFormat(path: location, format: format) }
            throw .corrupt(path: location, reason: "\(error)")
        }
        guard cassette.key == key else {
            throw .corrupt(path: location, reason: "it holds key \(cassette.key.hex), not the key its row says")
        }
        return cassette
    }
}
