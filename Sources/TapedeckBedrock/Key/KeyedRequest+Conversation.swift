import TapedeckCodec
/// Every request seen as a Converse request, so `show`, the browser, `ls` and the miss diff read every operation
/// through one set of code: Converse as it is, Anthropic Messages translated, embeddings as the texts embedded,
/// anything else as one JSON block (or a byte count).
extension KeyedRequest {
    /// The request in Converse's shape (`system`, `messages`, `inferenceConfig`, `toolConfig`).
    public var conversation: JSONValue {
        guard case .json(let json) = body else {
            return Self.userSays([.object([JSONMember("text", .string("[\(Self.bytesLabel(body))]"))])])
        }
        switch operation.family {
        case .converse:
            return json
        case .invoke:
            return Self.conversation(ofInvokeBody: json)
        case .countTokens:
            if let converse = json["input"]?["converse"], converse.objectValue != nil { return converse }
            if let text = json["input"]?["invokeModel"]?["body"]?.stringValue, let inner = try? JSONParser.parse(Array(text.utf8)) {
                return Self.conversation(ofInvokeBody: inner)
            }
            return Self.userSays([.object([JSONMember("json", json)])])
        case .applyGuardrail:
            let texts = (json["content"]?.arrayValue ?? []).compactMap { $0["text"]?["text"]?.stringValue }
            let role = json["source"]?.stringValue == "OUTPUT" ? "assistant" : "user"
            let blocks = texts.map { JSONValue.object([JSONMember("text", .string($0))]) }
            return .object([JSONMember("messages", .array([Self.message(role, blocks.isEmpty ? [.object([JSONMember("json", json)])] : blocks)]))])
        }
    }

    /// An InvokeModel body in Converse's shape: Anthropic Messages translated, embedding texts as the user's
    /// turn, any other body as one JSON block.
    static func conversation(ofInvokeBody json: JSONValue) -> JSONValue {
        if AnthropicMessages.isRequest(json) { return AnthropicMessages.converseRequest(json) }
        if let inputs = EmbeddingBodies.inputs(of: json) {
            return userSays(inputs.map { .object([JSONMember("text", .string($0))]) })
        }
        return userSays([.object([JSONMember("json", json)])])
    }

    static func userSays(_ blocks: [JSONValue]) -> JSONValue {
        .object([JSONMember("messages", .array([message("user", blocks)]))])
    }

    static func message(_ role: String, _ blocks: [JSONValue]) -> JSONValue {
        .object([JSONMember("role", .string(role)), JSONMember("content", .array(blocks))])
    }

    /// `1,234 bytes` for a body kept as bytes.
    static func bytesLabel(_ body: Body) -> String {
        guard case .bytes(let bytes) = body else { return "JSON" }
        return "\(bytes.count) bytes, not JSON"
    }
}
