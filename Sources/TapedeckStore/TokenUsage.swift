import TapedeckCodec
/// The token counts an answer reported: Converse's `usage`, or a stream's `metadata` event's `usage`.
public struct TokenUsage: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    /// Prompt-cache reads (`cacheReadInputTokens`), when the answer reported them.
    public var cacheReadTokens: Int?
    /// Prompt-cache writes (`cacheWriteInputTokens`), when the answer reported them.
    public var cacheWriteTokens: Int?

    /// Creates counts.
    public init(inputTokens: Int, outputTokens: Int, cacheReadTokens: Int? = nil, cacheWriteTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
    }

    /// Reads a `usage` object; nil unless it has whole-number `inputTokens` and `outputTokens`.
    public init?(json: JSONValue) {
        func count(_ name: String) -> Int? { json[name]?.numberLiteral.flatMap { Int($0) } }
        guard let input = count("inputTokens"), let output = count("outputTokens") else { return nil }
        self.init(
            inputTokens: input, outputTokens: output,
            cacheReadTokens: count("cacheReadInputTokens"), cacheWriteTokens: count("cacheWriteInputTokens"))
    }

    /// The recorded usage of `cassette`: the body's `usage`, or the last `metadata` event's; nil when absent.
    public init?(of cassette: Cassette) {
        switch cassette.response.content {
        case .body(let body):
            guard let usage = body["usage"] else { return nil }
            self.init(json: usage)
        case .events(let events):
            guard let usage = events.last(where: { $0.type == "metadata" })?.payload["usage"] else { return nil }
            self.init(json: usage)
        }
    }

    /// `21 in, 5 out`, then `, 10 cache read, 4 cache write` for the counts the answer reported.
    public var text: String {
        var text = "\(inputTokens) in, \(outputTokens) out"
        if let cacheReadTokens { text += ", \(cacheReadTokens) cache read" }
        if let cacheWriteTokens { text += ", \(cacheWriteTokens) cache write" }
        return text
    }
}
