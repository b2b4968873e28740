/// A cassette as a person reads it: who said what, tool calls and results, attachments by kind and size.
enum ConversationText {
    /// Indent of a block's continuation lines and of a turn's later blocks.
    static let indent = "  "

    /// The whole page `show` prints: header, system prompt, turns, then the answer, stop reason and usage.
    /// `problem` is set when the answer cannot be shown (a stream that does not fold).
    static func render(_ cassette: Cassette) -> (text: String, problem: String?) {
        var lines = [
            "key: \(cassette.key.hex)",
            "model: \(cassette.modelId)",
            "operation: \(cassette.operation.rawValue)",
            "recorded: \(cassette.recordedAt)",
        ]
        if let settings = cassette.request["inferenceConfig"] { lines.append("inference: \(compact(settings))") }
        let tools = (cassette.request["toolConfig"]?["tools"]?.arrayValue ?? []).compactMap { $0["toolSpec"]?["name"]?.stringValue }
        if !tools.isEmpty { lines.append("tools: \(tools.joined(separator: ", "))") }
        lines.append("")
        var toolNames: [String: String] = [:]
        for block in cassette.request["system"]?.arrayValue ?? [] {
            lines.append(turn("system", [block], toolNames: &toolNames))
        }
        for message in cassette.request["messages"]?.arrayValue ?? [] {
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
        if let text = block["text"]?.stringValue { return text }
        if let use = block["toolUse"] {
            let name = use["name"]?.stringValue ?? "?"
            if let id = use["toolUseId"]?.stringValue { toolNames[id] = name }
            return "→ tool \(name) \(use["input"].map(compact) ?? "{}")"
        }
        if let result = block["toolResult"] {
            let id = result["toolUseId"]?.stringValue ?? "?"
            let status = result["status"]?.stringValue.map { $0 == "success" ? "" : " (\($0))" } ?? ""
            var nothing: [String: String] = [:]
            let parts = (result["content"]?.arrayValue ?? []).map { part in
                part["json"].map(compact) ?? Self.block(part, toolNames: &nothing)
            }
            return "← result \(toolNames[id] ?? id)\(status): \(parts.joined(separator: " "))"
        }
        for kind in ["image", "document", "video"] {
            if let media = block[kind] { return attachment(kind, media) }
        }
        if let reasoning = block["reasoningContent"] {
            if let text = reasoning["reasoningText"]?["text"]?.stringValue { return "(thinking) \(text)" }
            return "[redacted reasoning]"
        }
        if block["cachePoint"] != nil { return "[cache point]" }
        if let guarded = block["guardContent"]?["text"]?["text"]?.stringValue { return "[guarded] \(guarded)" }
        return "[\(block.objectValue?.first?.key ?? "unknown block")]"
    }

    /// `[image png, 12345 bytes]`, `[document pdf "report", 2048 bytes]`, or the S3 URI when not inline.
    static func attachment(_ kind: String, _ media: JSONValue) -> String {
        var what = kind
        if let format = media["format"]?.stringValue { what += " \(format)" }
        if let name = media["name"]?.stringValue { what += " \"\(name)\"" }
        if let data = media["source"]?["bytes"]?.stringValue { return "[\(what), \(decodedSize(base64: data)) bytes]" }
        if let uri = media["source"]?["s3Location"]?["uri"]?.stringValue { return "[\(what), \(uri)]" }
        return "[\(what)]"
    }

    /// How many bytes base64 `text` decodes to (RFC 4648 §4: 4 characters carry 3 bytes, `=` pads the last group).
    static func decodedSize(base64 text: String) -> Int {
        let characters = text.utf8.filter { $0 > UInt8(ascii: " ") }
        let padding = characters.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        return max(0, characters.count * 3 / 4 - padding)
    }

    /// Compact JSON as text.
    static func compact(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.compact(value), as: UTF8.self)
    }
}
