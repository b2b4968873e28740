import TapedeckCodec
import TapedeckBedrock
/// A cassette read as a conversation, whatever its operation: the request and the answer in Converse's shape, so
/// `show`, the browser and `ls` draw every cassette with one set of code.
extension Cassette {
    /// The request in Converse's shape (`KeyedRequest.conversation`).
    package var conversationRequest: JSONValue { keyedRequest.conversation }

    /// The answer as `converse` returns it: the recorded body, a stream folded into one; for the other operations
    /// the model's answer translated (Anthropic Messages), the vectors' lengths (embeddings), or the document as
    /// one JSON block.
    package func answerBody() throws(StreamFoldError) -> JSONValue {
        switch (operation.family, response.content) {
        case (.converse, .body(let body)):
            return body
        case (.converse, .events(let events)):
            return try StreamFolder.fold(events)
        case (_, .bytes(let bytes)):
            guard let body = response.document else {
                return Self.answer([.object([JSONMember("text", .string("[\(bytes.count) bytes of \(response.contentType)]"))])])
            }
            return documentAnswer(body)
        case (_, .events(let events)):
            if keyedRequest.crossServes, let model = InvokeChunk.modelEvents(events) {
                return AnthropicMessages.converseAnswer(try AnthropicMessages.fold(model))
            }
            let count = events.count
            return Self.answer([.object([JSONMember("text", .string("[a stream of \(count) chunk\(count == 1 ? "" : "s")]"))])])
        case (_, .body(let body)):
            return documentAnswer(body)
        }
    }

    /// A document answer as a Converse answer: Anthropic Messages translated, embeddings by their vectors' lengths,
    /// anything else as one JSON block.
    private func documentAnswer(_ body: JSONValue) -> JSONValue {
        if operation.family == .invoke, keyedRequest.crossServes { return AnthropicMessages.converseAnswer(body) }
        if operation.family == .invoke, let lengths = EmbeddingBodies.vectorLengths(of: body) {
            return Self.answer(lengths.map { .object([JSONMember("text", .string("[embedding: \($0) numbers]"))]) })
        }
        return Self.answer([.object([JSONMember("json", body)])])
    }

    /// A Converse answer holding `blocks`.
    private static func answer(_ blocks: [JSONValue]) -> JSONValue {
        .object([JSONMember("output", .object([JSONMember("message", .object([
            JSONMember("role", .string("assistant")), JSONMember("content", .array(blocks)),
        ]))]))])
    }
}
