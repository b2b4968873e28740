import TapedeckCodec
import TapedeckBedrock
/// `tapedeck ls`: one line per cassette, oldest first, with the words that start its conversation and its hits.
struct LsCommand: Subcommand {
    static let name = "ls"
    static let usage = "tapedeck ls [--model M] [--json] [--store STORE]"
    static let summary = "list cassettes: key, model, first words, when recorded, hits"
    static let details = """
        Lists every cassette, oldest first: key prefix, model, operation, the first words of the first user
        message, when it was recorded and how often it was replayed. --json gives the same as an array of
        objects with the full key. Unreadable cassettes are skipped with a warning and make the exit status 1.
        """
    static let specs = [
        FlagSpec("model", value: "M", help: "only cassettes for model M; a regional prefix or ARN in the recorded id is ignored when M has none", default: "every model"),
        FlagSpec("json", value: nil, help: "print a JSON array instead of a table", default: "off"),
        StoreOption.spec,
    ]

    let store: String
    let model: String?
    let json: Bool

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        if let operand = operands.first { throw UsageError("unexpected argument \"\(operand)\" (see tapedeck ls --help)") }
        store = try StoreOption.value(values)
        model = values["model"]?.last
        json = values["json"] != nil
    }

    /// One listed cassette.
    struct Row: Sendable, Equatable {
        var key: CacheKey
        var model: String
        var operation: String
        var firstUserWords: String
        var recordedAt: String
        var hits: Int
    }

    func run() throws(CommandFailure) -> Int32 {
        let opened = try StoreOption.open(store)
        let entries = try StoreOption.entries(of: opened)
        let usage = try StoreOption.usage(of: opened)
        var rows: [Row] = []
        let unreadable = StoreScan.each(entries, in: opened) { entry, cassette in
            guard model.map({ ModelId.matches(cassette.modelId, filter: $0) }) ?? true else { return }
            rows.append(Row(
                key: entry.key, model: cassette.modelId, operation: cassette.operation.rawValue,
                firstUserWords: cassette.firstUserWords(), recordedAt: cassette.recordedAt,
                hits: usage.hits[entry.key]?.count ?? 0))
        }
        rows.sort { ($0.recordedAt, $0.key.hex) < ($1.recordedAt, $1.key.hex) }
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
            .init("KEY"), .init("MODEL"), .init("OPERATION"), .init("FIRST USER WORDS"), .init("RECORDED"), .init("HITS", .right),
        ])
        for row in rows {
            table.add([row.key.prefix, row.model, row.operation, row.firstUserWords, row.recordedAt, String(row.hits)])
        }
        return table.text
    }

    /// One row as a JSON object with the full key.
    static func json(_ row: Row) -> JSONValue {
        .object([
            JSONMember("key", .string(row.key.hex)),
            JSONMember("model", .string(row.model)),
            JSONMember("operation", .string(row.operation)),
            JSONMember("firstUserWords", .string(row.firstUserWords)),
            JSONMember("recordedAt", .string(row.recordedAt)),
            JSONMember("hits", .number(String(row.hits))),
        ])
    }
}
