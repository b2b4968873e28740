internal import CSQLite
import TapedeckCodec
import TapedeckBedrock
import TapedeckStore

/// Bytes as the columns of rows in an SQLite store's `cassettes` table, written by a second connection (as another
/// process or a hand edit would) and read back through `SQLiteStore`.
///
/// Three rows per input: the bytes as the `document` TEXT of a row filed under the key the document names (or a
/// fixed key), the bytes as a BLOB `document`, and the bytes cut into a namespace and a key with a small document.
/// Properties: a loaded cassette has the key it was looked up by and passes `CassetteChecks.roundTrip`; listings
/// show only keys and namespaces the store can open.
enum SQLiteRowTarget {
    static let fallbackKey = "d42a057650bd41f0157e721ea040413ac9268c0b7fddb97c24398f162200d37f"
    static let blobKey = "e3ed41775acbf76b941f1e18bc5cc0bd9b7139cc27b537978173129b8bba1413"

    /// The store under test and the raw connection that writes its rows.
    nonisolated(unsafe) static var opened: (store: SQLiteStore, writer: OpaquePointer)?

    static func run(_ bytes: [UInt8]) {
        let (store, writer) = open()
        execute(writer, "DELETE FROM cassettes; DELETE FROM misses")
        let textKey = claimedKey(bytes) ?? fallbackKey
        insert(writer, namespace: Array("".utf8), key: Array(textKey.utf8), document: bytes, asBlob: false)
        insert(writer, namespace: Array("".utf8), key: Array(blobKey.utf8), document: bytes, asBlob: true)
        let cut = min(bytes.count, Int(bytes.first ?? 0) % 32)
        insert(writer, namespace: Array(bytes[..<cut]), key: Array(bytes[cut...].prefix(64)), document: Array("{}".utf8), asBlob: false)

        for hex in [textKey, blobKey] {
            guard let key = CacheKey(hex: hex) else { continue }
            let loaded = Result { () throws(CassetteError) in try store.load(key) }
            if case .success(let cassette?) = loaded {
                Property.check(cassette.key == key, "load(\(key.prefix)) gave a cassette with key \(cassette.key.prefix)")
                CassetteChecks.roundTrip(cassette)
            }
        }
        list(store)
    }

    /// Every listing the store offers, and every namespace it lists, opened.
    static func list(_ store: SQLiteStore) {
        do {
            let entries = try store.entries()
            Property.check(try store.count() == entries.count, "count and entries disagree")
            _ = try store.usage()
            for name in try store.namespaces() {
                Property.check(Namespace.validate(name) == .success(name), "namespaces() listed \(String(reflecting: name))")
                let view = try store.namespaceStore(name)
                for entry in try view.entries() { _ = try? view.load(entry.key) }
            }
        } catch {
            Property.check(false, "a readable store cannot list its rows: \(error)")
        }
    }

    /// The `key` a document claims, when it is JSON with such a member, so the row is filed where it belongs.
    static func claimedKey(_ bytes: [UInt8]) -> String? {
        guard let value = try? JSONParser.parse(bytes), let hex = value["key"]?.stringValue, CacheKey(hex: hex) != nil else { return nil }
        return hex
    }

    static func insert(_ db: OpaquePointer, namespace: [UInt8], key: [UInt8], document: [UInt8], asBlob: Bool) {
        var statement: OpaquePointer?
        let sql = "INSERT OR REPLACE INTO cassettes(namespace, key, model_id, operation, recorded_at, document) VALUES(?1, ?2, 'm', 'converse', '', ?3)"
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            fatalError("cannot prepare the row insert: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        bindText(statement, 1, namespace)
        bindText(statement, 2, key)
        document.withUnsafeBytes { raw in
            let start = raw.baseAddress ?? UnsafeRawPointer(statement)
            if asBlob {
                _ = sqlite3_bind_blob64(statement, 3, start, UInt64(raw.count), tapedeck_sqlite_transient())
            } else {
                _ = sqlite3_bind_text64(statement, 3, start.assumingMemoryBound(to: CChar.self), UInt64(raw.count),
                                        tapedeck_sqlite_transient(), UInt8(SQLITE_UTF8))
            }
        }
        guard sqlite3_step(statement) == SQLITE_DONE else {
            fatalError("cannot insert a row: \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    private static func bindText(_ statement: OpaquePointer, _ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            let start = (raw.baseAddress ?? UnsafeRawPointer(statement)).assumingMemoryBound(to: CChar.self)
            _ = sqlite3_bind_text64(statement, index, start, UInt64(raw.count), tapedeck_sqlite_transient(), UInt8(SQLITE_UTF8))
        }
    }

    static func execute(_ db: OpaquePointer, _ sql: String) {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            fatalError("\(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    private static func open() -> (SQLiteStore, OpaquePointer) {
        if let opened { return opened }
        let path = "\(Scratch.path)/rows.db"
        do {
            let store = try SQLiteStore(path: path)
            var writer: OpaquePointer?
            guard sqlite3_open_v2(path, &writer, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let writer else {
                fatalError("cannot open \(path) a second time")
            }
            sqlite3_busy_timeout(writer, 10_000)
            opened = (store, writer)
            return (store, writer)
        } catch {
            fatalError("cannot open the SQLite store in \(Scratch.path): \(error)")
        }
    }
}
