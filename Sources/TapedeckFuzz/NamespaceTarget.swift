import Glibc
import TapedeckCodec
import TapedeckBedrock
import TapedeckStore

/// Bytes as a namespace name (an `x-tapedeck-namespace` header, `--namespace`, a config file), checked by
/// `Namespace.validate` and turned into a directory by the JSON store, and into a view by the SQLite store.
///
/// Properties: `validate` accepts exactly 1–128 bytes of `A-Za-z0-9._-` not starting with `.`; both stores
/// accept exactly what `validate` accepts; an accepted name's directory is one plain child of the store's
/// `namespaces` directory, and a cassette saved through it lands inside that directory on disk.
enum NamespaceTarget {
    nonisolated(unsafe) static var sqlite: SQLiteStore?

    static func run(_ bytes: [UInt8]) {
        check(String(decoding: bytes, as: UTF8.self))
    }

    /// The properties for one name (the HTTP target checks its namespace headers with this too).
    static func check(_ name: String) {
        let bytes = Array(name.utf8)
        let safe = !bytes.isEmpty && bytes.count <= 128 && bytes[0] != UInt8(ascii: ".")
            && bytes.allSatisfy { isNameByte($0) }
        let verdict = Namespace.validate(name)
        Property.check((verdict == .success(name)) == safe, "validate(\(String(reflecting: name))) = \(verdict)")
        if case .success(let accepted) = verdict {
            Property.check(accepted.utf8.elementsEqual(bytes), "validate changed the name")
        }
        guard !name.isEmpty else { return }

        for root in ["/srv/tapes", "relative/store/", "."] {
            let store = JSONFileStore(directory: root)
            let view = Result { () throws(CassetteError) in try store.namespaceStore(name) }
            Property.check((view.success != nil) == safe, "json:\(root) namespace(\(String(reflecting: name))) = \(view)")
            if let view = view.success { checkInside(view.directory, parent: store.namespacesDirectory, name: name) }
        }
        let sqliteView = Result { () throws(CassetteError) in try openSQLite().namespaceStore(name) }
        Property.check((sqliteView.success != nil) == safe, "sqlite namespace(\(String(reflecting: name))) = \(sqliteView)")
        if safe { saveThrough(name) }
    }

    /// `directory`, resolved lexically, is exactly `parent/name` with `name` one plain segment.
    static func checkInside(_ directory: String, parent: String, name: String) {
        let resolved = resolve(directory), resolvedParent = resolve(parent)
        Property.check(resolved.count == resolvedParent.count + 1 && Array(resolved.prefix(resolvedParent.count)) == resolvedParent,
                       "namespace \(String(reflecting: name)) is \(directory), not a child of \(parent)")
        let segment = resolved.last ?? ""
        Property.check(segment == name && !segment.isEmpty && segment != "." && segment != ".." && !segment.contains("/")
                       && !segment.utf8.contains(0) && segment.utf8.count <= 128,
                       "namespace \(String(reflecting: name)) became the segment \(String(reflecting: segment))")
    }

    /// Path segments after removing `.` and resolving `..` (an absolute path starts with "/").
    static func resolve(_ path: String) -> [String] {
        var out: [String] = path.hasPrefix("/") ? ["/"] : []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if let last = out.last, last != "/", last != ".." { out.removeLast() } else { out.append("..") }
            default: out.append(String(part))
            }
        }
        return out
    }

    /// Saves a cassette through the namespace of a real store and checks where the file landed.
    static func saveThrough(_ name: String) {
        let root = "\(Scratch.path)/namespace-json"
        let store = JSONFileStore(directory: root)
        do {
            let view = try store.namespaceStore(name)
            let cassette = sample
            try view.save(cassette)
            let file = view.path(for: cassette.key)
            var real = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            var rootReal = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            Property.check(realpath(file, &real) != nil && realpath(root, &rootReal) != nil, "saved cassette \(file) not found")
            let landed = real.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let base = rootReal.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            Property.check(landed.hasPrefix("\(base)/namespaces/\(name)/"), "namespace \(String(reflecting: name)) saved to \(landed)")
            let listed = try store.namespaces()
            Property.check(listed == [name], "namespaces() after one save: \(listed)")
        } catch {
            Property.check(false, "cannot save through namespace \(String(reflecting: name)): \(error)")
        }
        Scratch.removeTree(store.namespacesDirectory)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    private static func openSQLite() -> SQLiteStore {
        if let sqlite { return sqlite }
        do {
            let made = try SQLiteStore(path: "\(Scratch.path)/namespaces.db")
            sqlite = made
            return made
        } catch {
            fatalError("cannot open an SQLite store in \(Scratch.path): \(error)")
        }
    }

    /// A small cassette to save through namespaces.
    static let sample: Cassette = {
        let request = JSONValue.object([JSONMember("messages", .array([]))])
        let key = try! CacheKey.derive(modelId: "fuzz.model", body: request)
        return Cassette(key: key, operation: .converse, modelId: "fuzz.model", request: request,
                        response: RecordedResponse(status: 200, contentType: "application/json", body: .object([])),
                        upstreamLatencyMs: 1, recordedAt: "2026-01-01T00:00:00Z")
    }()
}
