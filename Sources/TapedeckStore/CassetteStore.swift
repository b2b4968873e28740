import TapedeckCodec
import TapedeckBedrock
/// Where cassettes live. Implementations are safe to call from any thread and from several processes.
public protocol CassetteStore: Sendable {
    /// How the store was named on the command line, e.g. `json:Cassettes`.
    var description: String { get }
    /// The cassette recorded under `key`, or nil when there is none.
    func load(_ key: CacheKey) throws(CassetteError) -> Cassette?
    /// The cassette filed under `key` even when its own `key` field names another (`load` refuses those), so
    /// `tapedeck verify` can say where it belongs; nil when there is none.
    func loadAsFiled(_ key: CacheKey) throws(CassetteError) -> Cassette?
    /// The bytes `save(_:encoded:)` writes for `cassette`, in this store's format; a recording is encoded once,
    /// so whoever holds it until it is written can hold exactly what will read back.
    func encode(_ cassette: Cassette) -> [UInt8]
    /// Stores `cassette` under its key as `encoded` (what `encode` made of it), replacing any earlier one, all or
    /// nothing.
    func save(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError)
    /// Stores `cassette` as `save(_:encoded:)` does, all or nothing, but returns as soon as every reader (in this
    /// process or another) loads it, and it survives the process being killed; what makes it survive a power loss
    /// too (an fsync) is handed back to run later, off the answer's path.
    func saveVisible(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError) -> DeferredSync
    /// How this store lays out a cassette document (what `encode` makes): a recording's events spooled to a file
    /// are encoded in it as they arrive.
    var layout: CassetteLayout { get }
    /// Stores `cassette` with the events in `spool` (its own are ignored) as `saveVisible(_:encoded:)` does, the
    /// document's bytes exactly those `encode` makes of the whole cassette, without holding them all at once.
    func saveVisible(_ cassette: Cassette, spooled spool: EventSpool) throws(CassetteError) -> DeferredSync
    /// How many cassettes the store holds.
    func count() throws(CassetteError) -> Int
    /// Every cassette's key and where it lives, readable or not (`load` tells which).
    func entries() throws(CassetteError) -> [StoreEntry]
    /// Removes the cassette under `key`; false when there was none.
    func remove(_ key: CacheKey) throws(CassetteError) -> Bool
    /// Adds a batch of counts (hits per cassette, misses per model) to what the store keeps.
    func addUsage(_ batch: UsageCounts) throws(CassetteError)
    /// The counts the store keeps.
    func usage() throws(CassetteError) -> UsageCounts
    /// The same store seen through namespace `name` (already validated with `Namespace.validate`): its own
    /// cassettes and counts, apart from the shared ones and every other namespace's. "" is the shared namespace
    /// itself. Names are the store's, whichever view is asked: a namespace never nests inside another.
    func namespace(_ name: String) throws(CassetteError) -> CassetteStore
    /// The namespaces that hold at least one cassette, sorted (the shared one is not listed).
    func namespaces() throws(CassetteError) -> [String]
    /// A cheap identity of the stored version of `key` (nil: none, or the store cannot tell).
    func version(of key: CacheKey) throws(CassetteError) -> CassetteVersion?
    /// A stamp vouching that `key`'s cassette has not changed since it was taken (`isUnchanged(_:version:since:)`), or nil
    /// when this store cannot give one. Take it before reading what it is to vouch for.
    func changeStamp(for key: CacheKey) -> ChangeStamp?
    /// Whether `key`'s cassette is still `version`, as a stamp from `changeStamp(for:)` taken before `version` was
    /// read vouches; answered from memory (and kernel queues read without waiting), never by reading the store, so an
    /// event loop may ask.
    func isUnchanged(_ key: CacheKey, version: CassetteVersion, since stamp: ChangeStamp) -> Bool
    /// Whether the store can be read but not written (a read-only mount, no write permission): every save fails.
    var isReadOnly: Bool { get }
    /// Claims recording `key` in this view's namespace for this process (`MissLease` has the rules); a lease
    /// older than `staleAfterMs`, or whose owner is gone, is taken over.
    func acquireLease(_ key: CacheKey, staleAfterMs: Int64) throws(CassetteError) -> LeaseResult
    /// Gives `lease` up, unless it has been taken over since.
    func releaseLease(_ lease: MissLease) throws(CassetteError)
}

extension CassetteStore {
    /// Stores `cassette` under its key, replacing any earlier one, all or nothing.
    public func save(_ cassette: Cassette) throws(CassetteError) {
        try save(cassette, encoded: encode(cassette))
    }

    /// Stores whose saves are durable when they return have nothing left to sync.
    public func saveVisible(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError) -> DeferredSync {
        try save(cassette, encoded: encoded)
        return .none
    }

    /// Stores that do not say otherwise write pretty documents.
    public var layout: CassetteLayout { .pretty }

    /// Stores that cannot write a document in pieces gather it: the spool's document is read back whole, decoded and
    /// saved as any other cassette.
    public func saveVisible(_ cassette: Cassette, spooled spool: EventSpool) throws(CassetteError) -> DeferredSync {
        var document: [UInt8] = []
        try spool.document(cassette) { piece throws(CassetteError) in document.append(contentsOf: piece) }
        let whole: Cassette
        do {
            whole = try Cassette(json: try JSONParser.parse(document))
        } catch let error as CassetteError {
            throw error
        } catch {
            throw .malformed("a spooled recording does not read back: \(error)")
        }
        return try saveVisible(whole, encoded: encode(whole))
    }

    /// Stores that cannot hold a cassette under another key's name read it as `load` does.
    public func loadAsFiled(_ key: CacheKey) throws(CassetteError) -> Cassette? { try load(key) }
}

/// One cassette in a store: its key and a location a person can find it by (a file path, a database row).
public struct StoreEntry: Sendable, Equatable {
    public var key: CacheKey
    public var location: String

    /// Creates an entry.
    public init(key: CacheKey, location: String) {
        self.key = key
        self.location = location
    }
}

/// Parses a `--store` value such as `json:Cassettes` or `sqlite:tapes.db` into a store.
public enum StoreLocation {
    /// Opens the store `spec` names: `json:DIR` is a directory of JSON files, `sqlite:FILE` one SQLite database
    /// (with `create`, the file is made if missing, its directory is not; without, a missing store is refused, and
    /// so is a missing JSON directory), `postgres://…` or `postgresql://…` a PostgreSQL database (libpq's URL,
    /// environment and `~/.pgpass` rules; with `create` its tables are made, the database is not); anything else
    /// is refused.
    public static func open(_ spec: String, create: Bool = true) throws(CassetteError) -> CassetteStore {
        if spec.hasPrefix("json:") && spec.utf8.count > 5 {
            let store = JSONFileStore(directory: String(spec.dropFirst(5)))
            if !create, !store.exists { throw .missingStore(location: store.root) }
            return store
        }
        if spec.hasPrefix("sqlite:") && spec.utf8.count > 7 { return try SQLiteStore(path: String(spec.dropFirst(7)), create: create) }
        if PostgresURL.names(spec) { return try PostgresStore(url: spec, create: create) }
        throw .unsupportedStore("unknown store \"\(masked(spec))\"; expected json:DIR, sqlite:FILE or postgres://USER@HOST/DB")
    }

    /// `spec` fit to show: a PostgreSQL URL with its password masked, any other spec as it is.
    public static func masked(_ spec: String) -> String {
        PostgresURL.mask(spec)
    }
}
