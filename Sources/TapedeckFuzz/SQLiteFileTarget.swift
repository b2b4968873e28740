import Glibc
import TapedeckStore

/// Bytes as a whole database file, opened as an SQLite store (`--store sqlite:FILE`) in a fresh directory.
///
/// Opening may refuse the file; a file that opens must list, count, load and report usage without crashing,
/// and list only namespaces and keys it can open. SQLite itself is not instrumented, so coverage guides only
/// through Tapedeck's side.
enum SQLiteFileTarget {
    nonisolated(unsafe) static var runs = 0

    static func run(_ bytes: [UInt8]) {
        runs += 1
        let directory = "\(Scratch.path)/file-\(runs)"
        mkdir(directory, 0o755)
        defer { Scratch.removeTree(directory) }
        let path = "\(directory)/tapes.db"
        Scratch.write(bytes, to: path)
        guard let store = try? SQLiteStore(path: path) else { return }
        guard let entries = try? store.entries() else { return }
        _ = try? store.count()
        for entry in entries.prefix(8) {
            if let cassette = try? store.load(entry.key) {
                Property.check(cassette.key == entry.key, "load(\(entry.key.prefix)) gave another key")
            }
        }
        _ = try? store.usage()
        if let names = try? store.namespaces() {
            for name in names.prefix(8) {
                Property.check(Namespace.validate(name) == .success(name), "namespaces() listed \(String(reflecting: name))")
                _ = try? store.namespaceStore(name).entries()
            }
        }
    }
}
