import TapedeckSystem
import TapedeckStore
/// The `--store STORE` flag every store command shares with `serve`, and opening what it names.
enum StoreOption {
    /// The default store, as `serve` has it.
    static let defaultSpec = "json:Cassettes"

    /// The flag, described as `serve` describes it, so both stay in step when a store kind is added.
    static let spec: FlagSpec = {
        let serves = ServeOptions.specs.first { $0.name == "store" }
        return FlagSpec("store", value: "STORE", help: serves?.help ?? "where cassettes live: json:DIR", default: defaultSpec)
    }()

    /// The `--store` value given, else the store `serve` would use from `TAPEDECK_STORE` or the settings file
    /// (`TAPEDECK_CONFIG`, else `tapedeck.json` in `workingDirectory`), else the default; an empty value is refused.
    /// `--from` and `--to` name the other store of `import` and `export` and have no such fallback.
    static func value(
        _ values: [String: [String]], flag: String = "store",
        environment: [String: String] = ProcessEnvironment.current, workingDirectory: String = "."
    ) throws(UsageError) -> String {
        var given = values[flag]?.last
        var origin = ""
        if given == nil, flag == "store" {
            // The same sources, merged the same way, as serve's own --store.
            let sources = try ConfigSources.gather(
                [], environment: environment, workingDirectory: workingDirectory, specs: ServeOptions.specs, command: "serve")
            given = sources.values["store"]?.last
            origin = sources.suffix("store")
        }
        guard let given else { return defaultSpec }
        guard !given.isEmpty else { throw UsageError("--\(flag) must name a store such as json:DIR\(origin)") }
        return given
    }

    /// Opens `spec`; a store kind this build does not know is a bad command line (exit 2), anything else a failure.
    /// A spec ending in `#NAME` (`json:Cassettes#test_login`) is that namespace of the store. Only a command that
    /// writes cassettes into it (`create`: import, export's target) makes a store or a namespace that is not there;
    /// any other refuses a namespace without cassettes, naming the ones the store has.
    static func open(_ spec: String, flag: String = "store", create: Bool = false) throws(CommandFailure) -> CassetteStore {
        let (location, namespace) = try split(spec, flag: flag)
        let store = try openLocation(location, spec: spec, flag: flag, create: create)
        guard !namespace.isEmpty else { return store }
        if !create { try requireNamespace(namespace, in: store) }
        return try view(namespace, of: store)
    }

    /// `spec` cut at its last `#` into the store's location and the namespace it names ("" when none); an invalid
    /// name is a bad command line.
    static func split(_ spec: String, flag: String = "store") throws(CommandFailure) -> (location: String, namespace: String) {
        guard let hash = spec.lastIndex(of: "#") else { return (spec, "") }
        let namespace = String(spec[spec.index(after: hash)...])
        if case .failure(let error) = Namespace.validate(namespace) {
            throw CommandFailure(usage: UsageError("--\(flag): invalid namespace in \"\(StoreLocation.masked(spec))\": \(error)"))
        }
        return (String(spec[..<hash]), namespace)
    }

    /// Opens the store at `location` (a spec without `#NAME`), seen through its shared namespace.
    static func openLocation(_ location: String, spec: String, flag: String, create: Bool) throws(CommandFailure) -> CassetteStore {
        do {
            return try StoreLocation.open(location, create: create)
        } catch {
            if case .unsupportedStore(let reason) = error { throw CommandFailure(usage: UsageError("--\(flag): \(reason)")) }
            // These name the file and say what to do already.
            if case .missingStore = error { throw CommandFailure("\(error)") }
            if case .foreignFile = error { throw CommandFailure("\(error)") }
            throw CommandFailure("cannot open store \(StoreLocation.masked(spec)): \(error)")
        }
    }

    /// `store` seen through namespace `name`, or a failure naming both.
    static func view(_ name: String, of store: CassetteStore) throws(CommandFailure) -> CassetteStore {
        do {
            return try store.namespace(name)
        } catch {
            throw CommandFailure("cannot open namespace \(name) of \(store.description): \(error)")
        }
    }

    /// The namespaces of `store` that hold cassettes, sorted, or a failure naming the store.
    static func namespaces(of store: CassetteStore) throws(CommandFailure) -> [String] {
        do {
            return try store.namespaces()
        } catch {
            throw CommandFailure("cannot list the namespaces of \(store.description): \(error)")
        }
    }

    /// How many existing namespaces a missing one's failure lists before it says how many more there are.
    static let listedNamespaces = 20

    /// Nothing when `store` has a namespace `name` with cassettes in it; otherwise a failure naming it, the
    /// nearest existing name and the names there are. The shared namespace ("") is always there.
    static func requireNamespace(_ name: String, in store: CassetteStore) throws(CommandFailure) {
        guard !name.isEmpty else { return }
        let names = try namespaces(of: store)
        guard !names.contains(name) else { return }
        guard !names.isEmpty else {
            throw CommandFailure("\(store.description) has no namespace \"\(name)\"; it has no namespaces, only the shared one")
        }
        let hint = NearestName.nearest(to: name, in: names).map { " (did you mean \"\($0)\"?)" } ?? ""
        let listed = names.prefix(listedNamespaces).joined(separator: ", ")
        let more = names.count > listedNamespaces ? " and \(names.count - listedNamespaces) more" : ""
        throw CommandFailure("\(store.description) has no namespace \"\(name)\"\(hint); its namespaces: \(listed)\(more)")
    }

    /// Every entry of `store`, or a failure naming the store.
    static func entries(of store: CassetteStore) throws(CommandFailure) -> [StoreEntry] {
        do {
            return try store.entries()
        } catch {
            throw CommandFailure("cannot list store \(store.description): \(error)")
        }
    }

    /// The usage counts `store` keeps, or a failure naming the store.
    static func usage(of store: CassetteStore) throws(CommandFailure) -> UsageCounts {
        do {
            return try store.usage()
        } catch {
            throw CommandFailure("cannot read usage counts of \(store.description): \(error)")
        }
    }

    /// The cassette whose key starts with `prefix`, or a failure naming the prefix's matches or the location.
    static func cassette(_ prefix: KeyPrefix, in store: CassetteStore, entries: [StoreEntry]) throws(CommandFailure) -> (StoreEntry, Cassette) {
        let entry = try prefix.resolve(in: entries, store: store.description)
        let loaded: Cassette?
        do {
            loaded = try store.load(entry.key)
        } catch {
            throw CommandFailure("cannot read \(entry.location): \(StoreScan.reason(error))")
        }
        guard let cassette = loaded else { throw CommandFailure("\(entry.location) was removed while it was being read") }
        return (entry, cassette)
    }
}
