import TapedeckCodec
import TapedeckBedrock
/// The token counts an answer reported: Converse's `usage`, a stream's `metadata` event's, or InvokeModel's.
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

    /// The recorded usage of `cassette`: Converse's body `usage` or its stream's last `metadata` event's; for
    /// InvokeModel the token-count response headers, else the model's own usage (Anthropic Messages, Titan
    /// embeddings); nil when the answer reports none (CountTokens and ApplyGuardrail use no model tokens).
    public init?(of cassette: Cassette) {
        switch (cassette.operation.family, cassette.response.content) {
        case (.converse, .body(let body)):
            guard let usage = body["usage"] else { return nil }
            self.init(json: usage)
        case (.converse, .events(let events)):
            guard let usage = events.last(where: { $0.type == "metadata" })?.payload["usage"] else { return nil }
            self.init(json: usage)
        case (.invoke, let content):
            let response = cassette.response
            func header(_ name: String) -> Int? { response.header(name).flatMap { Int($0) } }
            if let input = header("x-amzn-bedrock-input-token-count") {
                self.init(inputTokens: input, outputTokens: header("x-amzn-bedrock-output-token-count") ?? 0)
                return
            }
            switch content {
            case .body, .bytes:
                guard let body = response.document else { return nil }
                if let usage = AnthropicMessages.usage(of: body) {
                    self.init(inputTokens: usage.input, outputTokens: usage.output)
                } else if let input = EmbeddingBodies.inputTokens(of: body) {
                    self.init(inputTokens: input, outputTokens: 0)
                } else {
                    return nil
                }
            case .events(let events):
                guard let model = InvokeChunk.modelEvents(events), let usage = AnthropicMessages.usage(ofEvents: model) else { return nil }
                self.init(inputTokens: usage.input, outputTokens: usage.output)
            }
        default:
            return nil
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
