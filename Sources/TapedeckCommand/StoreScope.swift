import TapedeckBedrock
import TapedeckStore
/// The namespaces a store command reads: every namespace of the store, the shared one first and then the others
/// by name, unless the store spec (`json:DIR#NAME`) or `--namespace NAME` picks one.
struct StoreScope {
    /// One namespace: its name ("" for the shared one) and the store seen through it.
    struct View {
        let name: String
        let store: CassetteStore

        /// The name as a table shows it; `(shared)` for the shared namespace, which no namespace name can spell.
        var label: String { Self.label(name) }

        /// ` (namespace NAME)` after a key in a report; nothing for the shared namespace.
        var suffix: String { name.isEmpty ? "" : " (namespace \(name))" }

        /// `name` as a table shows it.
        static func label(_ name: String) -> String { name.isEmpty ? "(shared)" : name }
    }

    /// A cassette and the namespace it is in.
    struct Entry {
        let view: View
        let entry: StoreEntry
    }

    /// The store as its messages name it: the whole store, or the one namespace picked.
    let description: String
    /// The namespaces read, in order.
    let views: [View]
    /// Whether the spec or `--namespace` picked one namespace, rather than the store having only one.
    let isPicked: Bool

    /// The `--namespace` flag of the commands that read a store.
    static let spec = FlagSpec(
        "namespace", value: "NAME",
        help: "only namespace NAME (\"\" for the shared one); a --store ending in #NAME picks one too", default: "every namespace")

    /// Opens `spec` for reading with the namespace `chosen` (`--namespace`, nil when not given): one namespace when
    /// either names one (they must agree), which must exist; otherwise every namespace the store has.
    static func open(_ spec: String, namespace chosen: String?, flag: String = "store") throws(CommandFailure) -> StoreScope {
        let (location, named) = try StoreOption.split(spec, flag: flag)
        if let chosen, !chosen.isEmpty, case .failure(let error) = Namespace.validate(chosen) {
            throw CommandFailure(usage: UsageError("--namespace \"\(chosen)\" is refused: \(error)"))
        }
        if let chosen, !named.isEmpty, chosen != named {
            throw CommandFailure(usage: UsageError("--\(flag) \(StoreLocation.masked(spec)) names namespace \(named) but --namespace says \"\(chosen)\"; give one"))
        }
        let store = try StoreOption.openLocation(location, spec: spec, flag: flag, create: false)
        if let name = named.isEmpty ? chosen : named {
            try StoreOption.requireNamespace(name, in: store)
            let view = try StoreOption.view(name, of: store)
            return StoreScope(description: view.description, views: [View(name: name, store: view)], isPicked: true)
        }
        var views = [View(name: "", store: store)]
        for name in try StoreOption.namespaces(of: store) { views.append(View(name: name, store: try StoreOption.view(name, of: store))) }
        return StoreScope(description: store.description, views: views, isPicked: false)
    }

    /// Every cassette of every namespace read, namespace by namespace.
    func entries() throws(CommandFailure) -> [Entry] {
        var all: [Entry] = []
        for view in views {
            all += try StoreOption.entries(of: view.store).map { Entry(view: view, entry: $0) }
        }
        return all
    }

    /// The one cassette whose key starts with `prefix`; none, or several (in one namespace or across several), is
    /// a failure that lists the matches with their namespaces.
    func resolve(_ prefix: KeyPrefix, in entries: [Entry]) throws(CommandFailure) -> Entry {
        let matches = entries.filter { $0.entry.key.hex.hasPrefix(prefix.text) }
        guard matches.count != 1 else { return matches[0] }
        guard !matches.isEmpty else { throw CommandFailure("no cassette in \(description) has a key starting with \(prefix)") }
        let keys = Set(matches.map(\.entry.key)).count
        let namespaces = Set(matches.map(\.view.name)).count
        var ways: [String] = []
        if keys > 1 { ways.append("give more digits") }
        if namespaces > 1 { ways.append("choose a namespace with --namespace NAME (\"\" for the shared one)") }
        // Matches in more than one namespace get a column naming each one's.
        let shown = matches.prefix(KeyPrefix.listedMatches)
        let width = namespaces > 1 ? shown.map(\.view.label.count).max() ?? 0 : 0
        let listed = shown.map { match in
            let column = width == 0 ? "" : match.view.label + String(repeating: " ", count: width - match.view.label.count) + "  "
            return "\n  \(match.entry.key.hex)  \(column)\(match.entry.location)"
        }.joined()
        let more = matches.count > KeyPrefix.listedMatches ? "\n  … and \(matches.count - KeyPrefix.listedMatches) more" : ""
        let spread = namespaces > 1 ? " across \(namespaces) namespaces" : ""
        throw CommandFailure(
            "key prefix \(prefix) is ambiguous: \(matches.count) cassettes in \(description) match\(spread); \(ways.joined(separator: " or ")):\(listed)\(more)")
    }

    /// The cassette `prefix` names among `entries`, read, as `resolve` finds it.
    func cassette(_ prefix: KeyPrefix, in entries: [Entry]) throws(CommandFailure) -> (Entry, Cassette) {
        let found = try resolve(prefix, in: entries)
        let loaded: Cassette?
        do {
            loaded = try found.view.store.load(found.entry.key)
        } catch {
            throw CommandFailure("cannot read \(found.entry.location): \(StoreScan.reason(error))")
        }
        guard let cassette = loaded else { throw CommandFailure("\(found.entry.location) was removed while it was being read") }
        return (found, cassette)
    }

    /// ` across N namespaces` when the cassettes counted sit in more than one; nothing otherwise.
    static func across(_ namespaces: Int) -> String { namespaces > 1 ? " across \(namespaces) namespaces" : "" }
}
