import TapedeckCodec
/// One content block of a ConverseStream answer, rebuilt from its `contentBlockStart` and deltas.
struct StreamBlock: Sendable {
    /// What the block is, known from its `contentBlockStart` or else from its first delta.
    enum Kind: Sendable, Equatable {
        /// Text, possibly with citations (then it folds to `citationsContent`).
        case text
        /// A tool call; `type` is the optional `ToolUseBlockStart.type` as streamed.
        case toolUse(id: String, name: String, type: JSONValue?)
        /// Reasoning text with an optional signature.
        case reasoningText
        /// Encrypted reasoning.
        case redactedReasoning
    }

    let kind: Kind
    /// Text, reasoning text, or tool input text, joined across deltas.
    private var text = ""
    private var signature: String?
    private var citations: [JSONValue] = []
    private var redactedChunks: [String] = []

    /// A block opened by `contentBlockStart`: only `start.toolUse` is understood.
    init(start: JSONValue) throws(StreamFoldError) {
        let members = try start.membersWithoutPadding(named: "\"start\"")
        guard members.count == 1, let member = members.first else {
            throw StreamFoldError(reason: "a start must have exactly one member, found \(members.count)")
        }
        guard member.key == "toolUse" else {
            throw StreamFoldError(reason: "unsupported contentBlockStart \"\(member.key)\"")
        }
        let tool = member.value
        for field in try tool.membersWithoutPadding(named: "start \"toolUse\"")
        where !["toolUseId", "name", "type"].contains(field.key) {
            throw StreamFoldError(reason: "unsupported member \"\(field.key)\" in start \"toolUse\"")
        }
        kind = .toolUse(id: try tool.requiredString("toolUseId"), name: try tool.requiredString("name"),
                        type: tool["type"])
    }

    /// A block with no `contentBlockStart`, whose kind the first delta must tell.
    init(firstDelta delta: StreamDelta) throws(StreamFoldError) {
        switch delta {
        case .text, .citation: kind = .text
        case .reasoningText, .reasoningSignature: kind = .reasoningText
        case .redactedReasoning: kind = .redactedReasoning
        case .toolInput:
            throw StreamFoldError(
                reason: "tool input arrived with no contentBlockStart naming the tool, so the block's kind is unknown")
        }
        try apply(delta)
    }

    /// Adds one delta; a delta of another kind than the block's is refused.
    mutating func apply(_ delta: StreamDelta) throws(StreamFoldError) {
        switch (kind, delta) {
        case (.text, .text(let piece)), (.toolUse, .toolInput(let piece)), (.reasoningText, .reasoningText(let piece)):
            text += piece
        case (.text, .citation(let citation)):
            citations.append(citation)
        case (.reasoningText, .reasoningSignature(let piece)):
            signature = (signature ?? "") + piece
        case (.redactedReasoning, .redactedReasoning(let chunk)):
            redactedChunks.append(chunk)
        default:
            throw StreamFoldError(reason: "a \(Self.describe(delta)) delta does not belong in a \(kind.name) block")
        }
    }

    /// The block as a Converse `ContentBlock`.
    func content() throws(StreamFoldError) -> JSONValue {
        switch kind {
        case .text where citations.isEmpty:
            return .object([JSONMember("text", .string(text))])
        case .text:
            // Unverified against live Bedrock: the text and citation deltas of one block fold to one
            // `citationsContent` with a single generated-content entry, as Strands Agents' stream folding does.
            let generated = JSONValue.array([.object([JSONMember("text", .string(text))])])
            return .object([JSONMember("citationsContent", .object([
                JSONMember("content", generated), JSONMember("citations", .array(citations)),
            ]))])
        case .toolUse(let id, let name, let type):
            var tool = [JSONMember("toolUseId", .string(id)), JSONMember("name", .string(name)),
                        JSONMember("input", try toolInput(id: id))]
            if let type { tool.append(JSONMember("type", type)) }
            return .object([JSONMember("toolUse", .object(tool))])
        case .reasoningText:
            var reasoning = [JSONMember("text", .string(text))]
            if let signature { reasoning.append(JSONMember("signature", .string(signature))) }
            return .object([JSONMember("reasoningContent", .object([JSONMember("reasoningText", .object(reasoning))]))])
        case .redactedReasoning:
            return .object([JSONMember("reasoningContent", .object([
                JSONMember("redactedContent", .string(try joinedRedactedContent())),
            ]))])
        }
    }

    /// The joined tool input text parsed as JSON; no input at all means `{}`.
    private func toolInput(id: String) throws(StreamFoldError) -> JSONValue {
        if text.isEmpty { return .object([]) }
        do {
            return try JSONParser.parse(text)
        } catch {
            throw StreamFoldError(reason: "tool input of toolUseId \"\(id)\" is not valid JSON (\(error))")
        }
    }

    /// Base64 pieces join by concatenation only if every piece but the last is whole 4-character groups.
    private func joinedRedactedContent() throws(StreamFoldError) -> String {
        for chunk in redactedChunks.dropLast() where chunk.utf8.count % 4 != 0 || chunk.contains("=") {
            throw StreamFoldError(reason: "redactedContent split inside a base64 group cannot be joined")
        }
        return redactedChunks.joined()
    }

    private static func describe(_ delta: StreamDelta) -> String {
        switch delta {
        case .text: return "text"
        case .toolInput: return "toolUse"
        case .reasoningText: return "reasoningContent.text"
        case .reasoningSignature: return "reasoningContent.signature"
        case .redactedReasoning: return "reasoningContent.redactedContent"
        case .citation: return "citation"
        }
    }
}

extension StreamBlock.Kind {
    /// The kind as an error message names it.
    var name: String {
        switch self {
        case .text: return "text"
        case .toolUse: return "toolUse"
        case .reasoningText: return "reasoningText"
        case .redactedReasoning: return "redactedContent"
        }
    }
}
