import TapedeckCodec
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// The JSON the cassette browser's page reads: pages of the cassette list, and one cassette's transcript.
/// Everything comes through `CassetteStore`, so JSON and SQLite stores and their namespaces read alike.
struct BrowserAPI: Sendable {
    /// The store as `serve` opened it, and its namespaces.
    let views: NamespaceViews
    let catalog: CassetteCatalog
    /// Prices hits' tokens as the live statistics do.
    let stats: ProxyStats
    /// How errors name the store (never by an absolute path).
    let paths: ClientPaths

    private var store: CassetteStore { views.store }

    private func view(_ namespace: String) throws(CassetteError) -> CassetteStore {
        try views.view(namespace)
    }

    /// `{"cassettes": [row…], "total": n | null, "more": bool, "offset", "limit", "models", "namespaces",
    /// "unreadable", "totals": {…} | null}`, newest first. A search reads cassettes newest first only until the page
    /// and one more match are found, so `total` is null when it stopped early; `more` says whether a next page exists.
    func list(_ query: BrowserQuery.List) -> HTTPResponse {
        do throws(CassetteError) {
            let namespaces = try store.namespaces()
            let scopes = query.namespace.map { [$0] } ?? [""] + namespaces
            var rows: [CassetteCatalog.Summary] = []
            var unreadable = 0
            var usage: [String: UsageCounts] = [:]
            for namespace in scopes {
                let scoped = try view(namespace)
                let listing = try catalog.listing(of: scoped, namespace: namespace)
                rows += listing.summaries
                unreadable += listing.unreadable
                usage[namespace] = try scoped.usage()
            }
            let models = Set(rows.map(\.model)).sorted()
            if let model = query.model { rows = rows.filter { ModelId.matches($0.model, filter: model) } }
            rows.sort { ($0.recordedAt, $0.namespace, $0.key.hex) > ($1.recordedAt, $1.namespace, $1.key.hex) }

            var page: [CassetteCatalog.Summary]
            var total: Int?
            let more: Bool
            if let search = query.search {
                let found = try matches(of: search, in: rows, wanted: query.offset + query.limit + 1)
                page = Array(found.matches.dropFirst(query.offset).prefix(query.limit))
                more = found.matches.count > query.offset + query.limit
                total = found.complete ? found.matches.count : nil
                unreadable += found.unreadable
            } else {
                page = Array(rows.dropFirst(query.offset).prefix(query.limit))
                more = rows.count > query.offset + query.limit
                total = rows.count
            }
            let savings = { (row: CassetteCatalog.Summary) in self.savings(row, usage: usage[row.namespace]) }
            var members = [
                JSONMember("cassettes", .array(page.map { row in Self.json(row, savings: savings(row)) })),
                JSONMember("total", total.map { .number(String($0)) } ?? .null),
                JSONMember("more", .bool(more)),
                JSONMember("offset", .number(String(query.offset))),
                JSONMember("limit", .number(String(query.limit))),
                JSONMember("models", .array(models.map(JSONValue.string))),
                JSONMember("namespaces", .array(([""] + namespaces).map(JSONValue.string))),
                JSONMember("unreadable", .number(String(unreadable))),
            ]
            // Totals only over a set known whole: every row when not searching.
            members.append(JSONMember("totals", query.search == nil ? totals(rows.map(savings)) : .null))
            return BrowserResponse.json(.object(members))
        } catch {
            return BrowserResponse.error(.internalServer(paths.scrub("cannot list \(store.description): \(error)")))
        }
    }

    /// The transcript of one cassette, or 404 naming the key and namespace when there is none.
    func cassette(_ query: BrowserQuery.Cassette) -> HTTPResponse {
        let place = query.namespace.isEmpty ? "the shared namespace" : "namespace \(query.namespace)"
        do throws(CassetteError) {
            let scoped = try view(query.namespace)
            guard let cassette = try scoped.load(query.key) else {
                return BrowserResponse.error(.resourceNotFound(paths.scrub("no cassette \(query.key.hex) in \(place) of \(store.description)")))
            }
            let row = CassetteCatalog.Summary(cassette, namespace: query.namespace)
            let savings = savings(row, usage: try scoped.usage())
            return BrowserResponse.json(Transcript.json(cassette, namespace: query.namespace, savings: savings))
        } catch {
            return BrowserResponse.error(.internalServer(paths.scrub("cannot read cassette \(query.key.hex) in \(place): \(error)")))
        }
    }

    /// The first `wanted` rows whose conversation or answer contains `search` (ignoring case), reading each
    /// cassette's text as `tapedeck show` prints it; `complete` when every row was looked at.
    private func matches(
        of search: String, in rows: [CassetteCatalog.Summary], wanted: Int
    ) throws(CassetteError) -> (matches: [CassetteCatalog.Summary], complete: Bool, unreadable: Int) {
        let needle = search.lowercased()
        var found: [CassetteCatalog.Summary] = []
        var unreadable = 0
        for (index, row) in rows.enumerated() {
            if found.count == wanted { return (found, index == rows.count, unreadable) }
            let scoped = try view(row.namespace)
            let cassette: Cassette?
            do {
                cassette = try scoped.load(row.key)
            } catch {
                unreadable += 1
                continue
            }
            guard let cassette else { continue }
            if ConversationText.render(cassette).text.lowercased().contains(needle) { found.append(row) }
        }
        return (found, true, unreadable)
    }

    /// What the hits of `row` saved: its recorded tokens times its hits, priced like the live statistics.
    private func savings(_ row: CassetteCatalog.Summary, usage: UsageCounts?) -> Transcript.Savings {
        let hits = usage?.hits[row.key]?.count ?? 0
        let tokens = TokenUsage(inputTokens: hits * (row.usage?.inputTokens ?? 0), outputTokens: hits * (row.usage?.outputTokens ?? 0))
        return Transcript.Savings(hits: hits, tokens: tokens, cost: stats.cost(of: tokens, model: row.model))
    }

    /// The sum of every row's savings; the cost leaves out models without a price.
    private func totals(_ all: [Transcript.Savings]) -> JSONValue {
        var sum = Transcript.Savings(hits: 0, tokens: TokenUsage(inputTokens: 0, outputTokens: 0), cost: nil)
        for savings in all {
            sum.hits += savings.hits
            sum.tokens.inputTokens += savings.tokens.inputTokens
            sum.tokens.outputTokens += savings.tokens.outputTokens
            if let cost = savings.cost { sum.cost = (sum.cost ?? 0) + cost }
        }
        return .object([JSONMember("cassettes", .number(String(all.count)))] + Transcript.savingsMembers(sum))
    }

    /// One list row.
    static func json(_ row: CassetteCatalog.Summary, savings: Transcript.Savings) -> JSONValue {
        .object([
            JSONMember("key", .string(row.key.hex)),
            JSONMember("namespace", .string(row.namespace)),
            JSONMember("model", .string(row.model)),
            JSONMember("operation", .string(row.operation.rawValue)),
            JSONMember("firstUserWords", .string(row.firstUserWords)),
            JSONMember("recordedAt", .string(row.recordedAt)),
        ] + Transcript.savingsMembers(savings))
    }
}
