import Glibc

/// Namespaces live in `DIR/namespaces/<name>/`, each a store of its own with the shared layout inside. The
/// shared store reads only two-hex-digit shard directories, so it never sees them.
extension JSONFileStore {
    /// The directory every namespace lives in.
    public var namespacesDirectory: String { root == "/" ? "/namespaces" : "\(root)/namespaces" }

    /// The store at `root` seen through namespace `name`; "" is the shared store.
    ///
    /// The name is checked again here, whoever checked it before, and so is the path built from it: a
    /// namespace is one directory directly inside `namespacesDirectory`, never anywhere else.
    public func namespace(_ name: String) throws(CassetteError) -> CassetteStore {
        try namespaceStore(name)
    }

    /// `namespace(_:)` as a `JSONFileStore`.
    public func namespaceStore(_ name: String) throws(CassetteError) -> JSONFileStore {
        if name.isEmpty {
            return namespaceName.isEmpty ? self : JSONFileStore(root: root, namespace: "", directory: root, maxFileBytes: maxFileBytes, watch: watch)
        }
        let name = try Namespace.checked(name)
        if name == namespaceName { return self }
        let parent = namespacesDirectory
        let directory = "\(parent)/\(name)"
        // Defence in depth: whatever `validate` lets through must still name one plain child of `parent`.
        let prefix = Array("\(parent)/".utf8), path = Array(directory.utf8)
        let segment = path.dropFirst(prefix.count)
        guard path.starts(with: prefix), segment.elementsEqual(name.utf8), !segment.isEmpty,
              !segment.contains(UInt8(ascii: "/")), !segment.contains(0), name != ".", name != ".." else {
            throw .invalidNamespace(name: name, reason: "it does not name one directory inside \(parent)")
        }
        return JSONFileStore(root: root, namespace: name, directory: directory, maxFileBytes: maxFileBytes, watch: watch)
    }

    /// Every directory in `namespacesDirectory` with a valid name and at least one cassette, sorted.
    public func namespaces() throws(CassetteError) -> [String] {
        var found: [String] = []
        for name in try listing(namespacesDirectory) {
            guard case .success = Namespace.validate(name) else { continue }
            let store = try namespaceStore(name)
            guard let entries = try listing(store) else { continue }
            if !entries.isEmpty { found.append(name) }
        }
        return found.sorted()
    }

    /// The names in `path`; empty when it is missing or a stray file rather than a directory.
    private func listing(_ path: String) throws(CassetteError) -> [String] {
        do {
            return try FileIO.list(path)
        } catch {
            guard case .io(_, let cause) = error, cause.errno == ENOTDIR else { throw error }
            return []
        }
    }

    /// The namespace's cassettes, or nil when its name belongs to a stray file rather than a directory.
    private func listing(_ store: JSONFileStore) throws(CassetteError) -> [StoreEntry]? {
        do {
            return try store.entries()
        } catch {
            guard case .io(_, let cause) = error, cause.errno == ENOTDIR else { throw error }
            return nil
        }
    }
}
