/// The token usage upstream reported for a cassette's answer.
extension Cassette {
    /// Input and output tokens from the Converse body's `usage` or the stream's `metadata` event; nil when absent.
    public var tokenUsage: TokenUsage? {
        let usage: JSONValue?
        switch response.content {
        case .body(let body): usage = body["usage"]
        case .events(let events): usage = events.last { $0.type == "metadata" }?.payload["usage"]
        }
        guard let usage else { return nil }
        func tokens(_ name: String) -> Int { usage[name]?.numberLiteral.flatMap { Int($0) } ?? 0 }
        return TokenUsage(input: tokens("inputTokens"), output: tokens("outputTokens"))
    }
}

/// Input and output token counts.
public struct TokenUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int

    /// Creates a usage.
    public init(input: Int, output: Int) {
        self.input = input
        self.output = output
    }
}
