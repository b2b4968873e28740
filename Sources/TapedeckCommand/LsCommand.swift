import TapedeckCodec
import TapedeckBedrock
/// `tapedeck ls`: one line per cassette, oldest first, with the words that start its conversation and its hits.
struct LsCommand: Subcommand {
    static let name = "ls"
    static let usage = "tapedeck ls [--model M] [--namespace NAME] [--json] [--store STORE]"
    static let summary = "list cassettes of every namespace: key, namespace, model, first words, when recorded, hits"
    static let details = """
        Lists every cassette of every namespace, the shared namespace first and then the others by name,
        oldest first within each: key prefix, namespace ("(shared)" for the shared one), model, operation, the
        first words of the first user message, when it was recorded and how often it was replayed.
        --namespace NAME, or a --store ending in #NAME, lists one namespace (--namespace "" the shared one).
        --json gives the same as an array of objects with the full key and the namespace ("" for the shared
        one). Unreadable cassettes are skipped with a warning and make the exit status 1.
        """
    static let specs = [
        FlagSpec("model", value: "M", help: "only cassettes for model M; a regional prefix or ARN in the recorded id is ignored when M has none", default: "every model"),
        StoreScope.spec,
        FlagSpec("json", value: nil, help: "print a JSON array instead of a table", default: "off"),
        StoreOption.spec,
    ]

    let store: String
    let model: String?
    let namespace: String?
    let json: Bool

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        if let operand = operands.first { throw UsageError("unexpected argument \"\(operand)\" (see tapedeck ls --help)") }
        store = try StoreOption.value(values)
        model = values["model"]?.last
        namespace = values["namespace"]?.last
        json = values["json"] != nil
    }

    /// One listed cassette.
    struct Row: Sendable, Equatable {
        var key: CacheKey
        /// "" for the shared namespace.
        var namespace: String
        var model: String
        var operation: String
        var firstUserWords: String
        var recordedAt: String
        var hits: Int
    }

    func run() throws(CommandFailure) -> Int32 {
        let scope = try StoreScope.open(store, namespace: namespace)
        var rows: [Row] = []
        var unreadable: [StoreScan.Unreadable] = []
        for view in scope.views {
            let entries = try StoreOption.entries(of: view.store)
            let usage = try StoreOption.usage(of: view.store)
            var found: [Row] = []
            unreadable += StoreScan.each(entries, in: view.store) { entry, cassette in
                guard model.map({ ModelId.matches(cassette.modelId, filter: $0) }) ?? true else { return }
                found.append(Row(
                    key: entry.key, namespace: view.name, model: cassette.modelId, operation: cassette.operation.rawValue,
                    firstUserWords: cassette.firstUserWords(), recordedAt: cassette.recordedAt,
                    hits: usage.hits[entry.key]?.count ?? 0))
            }
            rows += found.sorted { ($0.recordedAt, $0.key.hex) < ($1.recordedAt, $1.key.hex) }
        }
        if json {
            Output.out(bytes: JSONWriter.pretty(.array(rows.map(Self.json))))
        } else {
            Output.out(Self.table(rows))
        }
        StoreScan.warn(unreadable, command: Self.name)
        return unreadable.isEmpty ? 0 : 1
    }

    /// The rows as aligned columns under a header.
    static func table(_ rows: [Row]) -> String {
        var table = TextTable([
            .init("KEY"), .init("NAMESPACE"), .init("MODEL"), .init("OPERATION"), .init("FIRST USER WORDS"), .init("RECORDED"), .init("HITS", .right),
        ])
        for row in rows {
            table.add([row.key.prefix, StoreScope.View.label(row.namespace), row.model, row.operation, row.firstUserWords, row.recordedAt, String(row.hits)])
        }
        return table.text
    }

    /// One row as a JSON object with the full key.
    static func json(_ row: Row) -> JSONValue {
        .object([
            JSONMember("key", .string(row.key.hex)),
            JSONMember("namespace", .string(row.namespace)),
            JSONMember("model", .string(row.model)),
            JSONMember("operation", .string(row.operation)),
            JSONMember("firstUserWords", .string(row.firstUserWords)),
            JSONMember("recordedAt", .string(row.recordedAt)),
            JSONMember("hits", .number(String(row.hits))),
        ])
    }
}
