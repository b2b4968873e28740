import TapedeckCodec
import TapedeckStore
/// `tapedeck stats`: per model, how many cassettes, hits and misses, the tokens replays served, and the money saved.
struct StatsCommand: Subcommand {
    static let name = "stats"
    static let usage = "tapedeck stats [--prices FILE] [--namespace NAME] [--json] [--store STORE]"
    static let summary = "cassettes, hits, misses, tokens served from cassettes and money saved, per model"
    static let details = """
        Per model and in total: cassettes, hits and misses (as serve counted them), the tokens hits served
        instead of the model (each cassette's recorded input and output tokens times its hits), and what those
        tokens would have cost at on-demand prices. Prices come from a built-in table of common Bedrock models
        (US$ per million tokens; see README.md); --prices FILE, a JSON object such as
        {"anthropic.claude-3-5-haiku-20241022-v1:0": {"input": 0.8, "output": 4.0}}, adds or overrides models.
        Models without a price show "-". Counts cover every namespace; --namespace NAME, or a --store ending
        in #NAME, counts one (--namespace "" the shared one).
        """
    static let specs = [
        FlagSpec("prices", value: "FILE", help: "JSON object of model id → {\"input\": US$, \"output\": US$} per million tokens", default: "the built-in table"),
        StoreScope.spec,
        FlagSpec("json", value: nil, help: "print JSON instead of a table", default: "off"),
        StoreOption.spec,
    ]

    let store: String
    let pricesFile: String?
    let namespace: String?
    let json: Bool

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        if let operand = operands.first { throw UsageError("unexpected argument \"\(operand)\" (see tapedeck stats --help)") }
        pricesFile = values["prices"]?.last
        if pricesFile?.isEmpty == true { throw UsageError("--prices must name a file") }
        json = values["json"] != nil
        namespace = values["namespace"]?.last
        store = try StoreOption.value(values)
    }

    /// The counts of one model, or of all.
    struct Tally: Sendable, Equatable {
        var cassettes = 0
        var hits = 0
        var misses = 0
        var inputTokens = 0
        var outputTokens = 0
        /// US$ the served tokens would have cost; nil when no price is known.
        var saved: Double?

        /// Adds `other`'s counts, and its money when it has a price.
        mutating func add(_ other: Tally) {
            // Hits and token counts come from files; saturate rather than trap on absurd ones.
            cassettes = cassettes.addingSaturated(other.cassettes)
            hits = hits.addingSaturated(other.hits)
            misses = misses.addingSaturated(other.misses)
            inputTokens = inputTokens.addingSaturated(other.inputTokens)
            outputTokens = outputTokens.addingSaturated(other.outputTokens)
            if let more = other.saved { saved = (saved ?? 0) + more }
        }
    }

    func run() throws(CommandFailure) -> Int32 {
        let prices = PriceTable(overrides: try pricesFile.map { path throws(CommandFailure) in try PriceTable.overrides(file: path) } ?? [:])
        let scope = try StoreScope.open(store, namespace: namespace)
        var models: [String: Tally] = [:]
        var unreadable: [StoreScan.Unreadable] = []
        for view in scope.views {
            let entries = try StoreOption.entries(of: view.store)
            let usage = try StoreOption.usage(of: view.store)
            unreadable += StoreScan.each(entries, in: view.store) { entry, cassette in
                let hits = usage.hits[entry.key]?.count ?? 0
                let tokens = TokenUsage(of: cassette)
                models[cassette.modelId, default: Tally()].add(Tally(
                    cassettes: 1, hits: hits,
                    inputTokens: hits.multipliedSaturated(by: tokens?.inputTokens ?? 0),
                    outputTokens: hits.multipliedSaturated(by: tokens?.outputTokens ?? 0)))
            }
            for (model, count) in usage.misses { models[model, default: Tally()].add(Tally(misses: count)) }
        }
        var rows: [(model: String, tally: Tally)] = []
        var total = Tally()
        for model in models.keys.sorted() {
            var tally = models[model] ?? Tally()
            tally.saved = prices.price(for: model).map {
                PriceTable.cost(inputTokens: tally.inputTokens, outputTokens: tally.outputTokens, at: $0)
            }
            rows.append((model, tally))
            total.add(tally)
        }
        let unpriced = rows.filter { $0.tally.saved == nil }.map(\.model)
        if json {
            Output.out(bytes: JSONWriter.pretty(Self.json(rows, total: total)))
        } else {
            Output.out(Self.table(rows, total: total))
            if !unpriced.isEmpty {
                Output.out("no price for \(unpriced.joined(separator: ", ")); the total leaves them out (add prices with --prices FILE)\n")
            }
        }
        StoreScan.warn(unreadable, command: Self.name)
        return unreadable.isEmpty ? 0 : 1
    }

    /// One line per model, then the total.
    static func table(_ rows: [(model: String, tally: Tally)], total: Tally) -> String {
        var table = TextTable([
            .init("MODEL"), .init("CASSETTES", .right), .init("HITS", .right), .init("MISSES", .right),
            .init("INPUT TOKENS", .right), .init("OUTPUT TOKENS", .right), .init("SAVED US$", .right),
        ])
        for (model, tally) in rows + [("total", total)] {
            table.add([
                model, String(tally.cassettes), String(tally.hits), String(tally.misses),
                String(tally.inputTokens), String(tally.outputTokens), tally.saved.map { PriceTable.dollars($0) } ?? "-",
            ])
        }
        return table.text
    }

    /// `{"models": [{"model": …, "cassettes": …, …, "savedUSD": 0.0168 or null}], "total": {…}}`.
    static func json(_ rows: [(model: String, tally: Tally)], total: Tally) -> JSONValue {
        .object([
            JSONMember("models", .array(rows.map { model, tally in
                .object([JSONMember("model", .string(model))] + members(tally))
            })),
            JSONMember("total", .object(members(total))),
        ])
    }

    /// The counts of one tally as JSON members; money with six decimals, or null when unpriced.
    private static func members(_ tally: Tally) -> [JSONMember] {
        [
            JSONMember("cassettes", .number(String(tally.cassettes))),
            JSONMember("hits", .number(String(tally.hits))),
            JSONMember("misses", .number(String(tally.misses))),
            JSONMember("inputTokens", .number(String(tally.inputTokens))),
            JSONMember("outputTokens", .number(String(tally.outputTokens))),
            JSONMember("savedUSD", tally.saved.map { .number(PriceTable.dollars($0, decimals: 6)) } ?? .null),
        ]
    }
}
