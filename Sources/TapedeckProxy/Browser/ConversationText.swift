import TapedeckCodec
import TapedeckBedrock
import TapedeckStore
/// A cassette as a person reads it: who said what, tool calls and results, attachments by kind and size.
package enum ConversationText {
    /// Indent of a block's continuation lines and of a turn's later blocks.
    static let indent = "  "

    /// The whole page `show` prints: header, system prompt, turns, then the answer, stop reason and usage.
    /// `problem` is set when the answer cannot be shown (a stream that does not fold).
    package static func render(_ cassette: Cassette) -> (text: String, problem: String?) {
        var lines = [
            "key: \(cassette.key.hex)",
            "model: \(cassette.modelId)",
            "operation: \(cassette.operation.rawValue)",
            "recorded: \(cassette.recordedAt)",
        ]
        let request = cassette.conversationRequest
        if let settings = request["inferenceConfig"] { lines.append("inference: \(compact(settings))") }
        let tools = (request["toolConfig"]?["tools"]?.arrayValue ?? []).compactMap { $0["toolSpec"]?["name"]?.stringValue }
        if !tools.isEmpty { lines.append("tools: \(tools.joined(separator: ", "))") }
        lines.append("")
        var toolNames: [String: String] = [:]
        for block in request["system"]?.arrayValue ?? [] {
            lines.append(turn("system", [block], toolNames: &toolNames))
        }
        for message in request["messages"]?.arrayValue ?? [] {
            let role = message["role"]?.stringValue ?? "?"
            lines.append(turn(role, message["content"]?.arrayValue ?? [], toolNames: &toolNames))
        }
        lines.append("")
        var problem: String?
        do {
            let answer = try cassette.answerBody()
            lines.append(turn("answer", answer["output"]?["message"]?["content"]?.arrayValue ?? [], toolNames: &toolNames))
            lines.append("stop: \(answer["stopReason"]?.stringValue ?? "-")")
        } catch {
            problem = "the recorded stream cannot be folded into an answer: \(error.reason)"
            lines.append("answer: [\(problem ?? "")]")
        }
        lines.append("usage: \(TokenUsage(of: cassette)?.text ?? "-")")
        return (lines.joined(separator: "\n") + "\n", problem)
    }

    /// `label: first block`, each further block on its own indented line; multi-line text stays indented.
    static func turn(_ label: String, _ blocks: [JSONValue], toolNames: inout [String: String]) -> String {
        let rendered = blocks.map { block($0, toolNames: &toolNames) }
        guard !rendered.isEmpty else { return "\(label): [nothing]" }
        let text = "\(label): " + rendered.joined(separator: "\n")
        return text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + indent)
    }

    /// One content block on one line (text may hold newlines); tool names are remembered for their results.
    static func block(_ block: JSONValue, toolNames: inout [String: String]) -> String {
        line(ContentBlock(block), toolNames: &toolNames)
    }

    /// `block` as `show` prints it: `→ tool name {input}`, `← result name: parts`, `[image png, 70 bytes]`, ….
    static func line(_ block: ContentBlock, toolNames: inout [String: String]) -> String {
        switch block {
        case .text(let text):
            return text
        case .toolUse(let id, let name, let input):
            if let id { toolNames[id] = name }
            return "→ tool \(name) \(input.map(compact) ?? "{}")"
        case .toolResult(let id, let status, let content):
            let shown = status.map { $0 == "success" ? "" : " (\($0))" } ?? ""
            var nothing: [String: String] = [:]
            let parts = content.map { line($0, toolNames: &nothing) }
            return "← result \(toolNames[id] ?? id)\(shown): \(parts.joined(separator: " "))"
        case .json(let value):
            return compact(value)
        case .media(let media):
            return "[\(media.label)]"
        case .reasoning(let text):
            return text.map { "(thinking) \($0)" } ?? "[redacted reasoning]"
        case .cachePoint:
            return "[cache point]"
        case .guarded(let text):
            return "[guarded] \(text)"
        case .other(let name):
            return "[\(name)]"
        }
    }

    /// Compact JSON as text.
    static func compact(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.compact(value), as: UTF8.self)
    }
}
