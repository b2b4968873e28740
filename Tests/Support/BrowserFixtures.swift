import TapedeckStore
import TapedeckProxy
import TapedeckCommand

/// The cassette browser's test store: the CLI's five fixtures (a tool call with an image and a document, a
/// stream, an unpriced model, …), an answer that is markup, and one cassette in namespace `checkout`.
package enum BrowserFixtures {
    /// Markup a recorded conversation may hold; the browser must show it as text.
    package static let markupAnswer = "<script>alert(1)</script> and <img src=x onerror=alert(2)>"
    package static let markupQuestion = "Reply with <b>markup</b> please"
    package static let namespace = "checkout"

    /// A chat whose answer is `markupAnswer`.
    package static func markup() throws -> Cassette {
        try CommandFixtures.converse(CommandFixtures.haiku,
            #"{"messages":[{"role":"user","content":[{"text":"Reply with <b>markup</b> please"}]}]}"#,
            #"{"output":{"message":{"role":"assistant","content":[{"text":"<script>alert(1)</script> and <img src=x onerror=alert(2)>"}]}},"stopReason":"end_turn","usage":{"inputTokens":9,"outputTokens":14,"totalTokens":23}}"#,
            recordedAt: "2025-03-07T08:00:00Z")
    }

    /// The cassette filed in namespace `checkout`.
    package static func checkout() throws -> Cassette {
        try CommandFixtures.chat(CommandFixtures.sonnet, "Which coupon applies to the checkout basket?", "SPRING10.",
                                 tokens: (50, 4), recordedAt: "2025-03-08T11:00:00Z")
    }

    /// Saves every fixture and its hit counts (7 for the markup answer, 9 for the checkout one) into `store`.
    @discardableResult
    package static func fill(_ store: CassetteStore) throws -> (shared: [Cassette], markup: Cassette, checkout: Cassette) {
        let shared = try CommandFixtures.all()
        for cassette in shared { try store.save(cassette) }
        let markup = try markup()
        try store.save(markup)
        var usage = CommandFixtures.usage(shared)
        usage.hits[markup.key] = UsageCounts.Hits(count: 7, lastHitAt: CommandFixtures.lastHit)
        try store.addUsage(usage)
        let scoped = try store.namespace(namespace)
        let checkout = try checkout()
        try scoped.save(checkout)
        try scoped.addUsage(UsageCounts(hits: [checkout.key: UsageCounts.Hits(count: 9, lastHitAt: CommandFixtures.lastHit)]))
        return (shared, markup, checkout)
    }

    /// Live statistics priced by the built-in table, as `serve` makes them.
    package static func pricedStats() -> ProxyStats {
        ProxyStats(price: { model in PriceTable().price(for: model).map { (input: $0.input, output: $0.output) } })
    }
}
