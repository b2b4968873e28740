import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock

/// Cassettes as pretty JSON files, one per interaction, at `DIR/<first two hex digits>/<key>.json`; namespace
/// `N` keeps the same layout in `DIR/namespaces/N/`.
///
/// A lookup is one file read, so a file added by `git pull` is found at once. Writes go to a temporary
/// file that is fsynced and renamed into place: readers and other processes see the old file or the new
/// one, never half of one.
public final class JSONFileStore: CassetteStore {
    /// The directory holding this view's cassettes: the store's own, or `DIR/namespaces/N` for namespace `N`.
    public let directory: String
    /// The store's directory, which holds the shared cassettes and the `namespaces` directory.
    public let root: String
    /// The namespace this view shows; "" for the shared one.
    public let namespaceName: String
    /// Files larger than this are refused as corrupt rather than read into memory.
    public let maxFileBytes: Int
    /// The size limit unless one is given.
    public static let defaultMaxFileBytes = 512 * 1024 * 1024
    /// The shard directories of cassettes answered from memory, watched for changes; one for the store and every
    /// view of it.
    let watch: DirectoryWatch

    /// Opens (without creating) the store at `directory`, seen through the shared namespace.
    public init(directory: String, maxFileBytes: Int = JSONFileStore.defaultMaxFileBytes) {
        var trimmed = directory
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed.isEmpty ? "." : trimmed
        self.directory = root
        self.namespaceName = ""
        self.maxFileBytes = maxFileBytes
        self.watch = DirectoryWatch()
    }

    /// A view of the store at `root` through namespace `name`, whose cassettes are in `directory`.
    init(root: String, namespace name: String, directory: String, maxFileBytes: Int, watch: DirectoryWatch) {
        self.root = root
        self.directory = directory
        self.namespaceName = name
        self.maxFileBytes = maxFileBytes
        self.watch = watch
    }

    /// `json:DIR`, as `--store` names it, with the namespace when the view has one.
    public var description: String {
        namespaceName.isEmpty ? "json:\(root)" : "json:\(root) (namespace \(namespaceName))"
    }

    /// Whether anything is at the store's path (a command that only reads needs its directory; recording makes
    /// it); what is there but is no directory fails when it is listed, naming itself.
    public var exists: Bool {
        var info = stat()
        return stat(root, &info) == 0
    }

    /// Whether the store's directory exists but this process may not write in it (EROFS, EACCES); a directory
    /// still to be created is not read-only.
    public var isReadOnly: Bool {
        guard access(root, W_OK) != 0 else { return false }
        let code = errno
        return code == EROFS || code == EACCES
    }

    /// The file that holds the cassette for `key`.
    public func path(for key: CacheKey) -> String {
        "\(directory)/\(key.hex.prefix(2))/\(key.hex).json"
    }

    public func load(_ key: CacheKey) throws(CassetteError) -> Cassette? {
        guard let cassette = try loadAsFiled(key) else { return nil }
        guard cassette.key == key else {
            throw .corrupt(path: path(for: key), reason: "it holds key \(cassette.key.hex), not the key its name says")
        }
        return cassette
    }

    public func loadAsFiled(_ key: CacheKey) throws(CassetteError) -> Cassette? {
        let path = path(for: key)
        guard let bytes = try FileIO.readIfPresent(path, limit: maxFileBytes) else { return nil }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw .corrupt(path: path, reason: error.description)
        }
        do {
            return try Cassette(json: json)
        } catch {
            if case .newerFormat(_, let format) = error { throw .newerFormat(path: path, format: format) }
            throw .corrupt(path: path, reason: "\(error)")
        }
    }

    /// The cassette's pretty-printed JSON document: the file's bytes.
    public func encode(_ cassette: Cassette) -> [UInt8] { cassette.encoded() }

    /// Pretty documents: a cassette file.
    public var layout: CassetteLayout { .pretty }

    public func save(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError) {
        let path = path(for: cassette.key)
        try FileIO.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
        try FileIO.writeAtomically(encoded, to: path)
    }

    /// Renames the file into place and leaves its fsyncs (file, then directory) to the returned sync.
    public func saveVisible(_ cassette: Cassette, encoded: [UInt8]) throws(CassetteError) -> DeferredSync {
        let path = path(for: cassette.key)
        try FileIO.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
        return try FileIO.writeVisible(encoded, to: path)
    }

    /// Streams the spooled document into the temporary file that is renamed into place, a piece at a time.
    public func saveVisible(_ cassette: Cassette, spooled spool: EventSpool) throws(CassetteError) -> DeferredSync {
        let path = path(for: cassette.key)
        try FileIO.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
        precondition(spool.layout == layout, "a spool for this store encodes in its layout")
        return try FileIO.writeVisible(to: path) { fd, temporary throws(CassetteError) in
            try spool.document(cassette) { piece throws(CassetteError) in try FileIO.writeAll(fd, piece, path: temporary) }
        }
    }

    /// Counts the files `load` can find: `<key>.json` inside the shard its key names. Temporary and dot files,
    /// other names, and anything outside a shard directory are not cassettes.
    public func count() throws(CassetteError) -> Int { try entries().count }

    /// Every `<2 hex>/<key>.json` file: exactly the files `load` can find.
    public func entries() throws(CassetteError) -> [StoreEntry] {
        var found: [StoreEntry] = []
        for shard in try FileIO.list(directory) where shard.utf8.count == 2 {
            let names: [String]
            do {
                names = try FileIO.list("\(directory)/\(shard)")
            } catch {
                // A stray file that happens to have a shard's name is not a shard.
                guard case .io(_, let cause) = error, cause.errno == ENOTDIR else { throw error }
                continue
            }
            for name in names where name.hasPrefix(shard) && name.hasSuffix(".json") {
                guard let key = CacheKey(hex: String(name.dropLast(5))) else { continue }
                found.append(StoreEntry(key: key, location: "\(directory)/\(shard)/\(name)"))
            }
        }
        return found.sorted { $0.key.hex < $1.key.hex }
    }

    public func remove(_ key: CacheKey) throws(CassetteError) -> Bool {
        let path = path(for: key)
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw .io(path: path, error: SystemError("unlink", errno: errno))
        }
        try forgetHits(of: key)
        return true
    }
}
