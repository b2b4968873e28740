/// How `stats` shows its tallies: an aligned table with a total row, or JSON.
extension StatsCommand {
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
