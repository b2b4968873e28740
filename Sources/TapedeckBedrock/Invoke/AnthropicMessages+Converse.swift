import TapedeckCodec
/// Anthropic Messages bodies read as Converse bodies, so that the Converse-level request diff, transcripts and
/// "first user words" show InvokeModel cassettes too. These are views for people, not translations Bedrock would
/// answer identically: nothing is refused, and what has no Converse place is kept where it can be seen.
extension AnthropicMessages {
    /// Top-level request members with a Converse place of their own; every other one (`anthropic_version`,
    /// `top_k`, `thinking`, `anthropic_beta`, …) goes to `additionalModelRequestFields`.
    static let mappedRequestMembers: Set<String> = [
        "messages", "system", "max_tokens", "temperature", "top_p", "stop_sequences", "tools", "tool_choice",
    ]

    /// The request as a Converse request body: `messages` with Converse content blocks, `system` as text blocks,
    /// `inferenceConfig` from `max_tokens`, `temperature`, `top_p` and `stop_sequences`, `toolConfig` from `tools`
    /// (as `toolSpec`s) and `tool_choice` (`auto`, `any`, `tool`), and every other member, in order, in
    /// `additionalModelRequestFields` (tools and a tool choice that have no Converse shape go there too).
    /// A block's `cache_control` becomes a `cachePoint` block after it. Not an object: `{}`.
    public static func converseRequest(_ body: JSONValue) -> JSONValue {
        guard let members = body.objectValue else { return .object([]) }
        var converse: [JSONMember] = []
        if let messages = body["messages"] {
            let converted = (messages.arrayValue ?? []).map { message in
                var out: [JSONMember] = []
                if let role = message["role"] { out.append(JSONMember("role", role)) }
                out.append(JSONMember("content", .array(converseBlocks(message["content"]))))
                return JSONValue.object(out)
            }
            converse.append(JSONMember("messages", .array(converted)))
        }
        if let system = body["system"] { converse.append(JSONMember("system", .array(converseBlocks(system)))) }
        var inference: [JSONMember] = []
        for (name, converseName) in [("max_tokens", "maxTokens"), ("temperature", "temperature"), ("top_p", "topP"),
                                     ("stop_sequences", "stopSequences")] {
            if let value = body[name] { inference.append(JSONMember(converseName, value)) }
        }
        if !inference.isEmpty { converse.append(JSONMember("inferenceConfig", .object(inference))) }

        var additional = members.filter { !mappedRequestMembers.contains($0.key) }
        var toolConfig: [JSONMember] = []
        if let tools = body["tools"] {
            let (specs, unmapped) = converseTools(tools)
            if !specs.isEmpty { toolConfig.append(JSONMember("tools", .array(specs))) }
            if let unmapped { additional.append(JSONMember("tools", unmapped)) }
        }
        if let choice = body["tool_choice"] {
            if let converted = converseToolChoice(choice) {
                toolConfig.append(JSONMember("toolChoice", converted))
            } else {
                additional.append(JSONMember("tool_choice", choice))
            }
        }
        if !toolConfig.isEmpty { converse.append(JSONMember("toolConfig", .object(toolConfig))) }
        if !additional.isEmpty { converse.append(JSONMember("additionalModelRequestFields", .object(additional))) }
        return .object(converse)
    }

    /// The answer as a Converse response body: `output.message` with Converse content blocks, `stopReason` as the
    /// answer's `stop_reason` (`end_turn`, `tool_use`, `max_tokens`, `stop_sequence` are the same words in both),
    /// and `usage` with `inputTokens`, `outputTokens`, `cacheReadInputTokens` and `cacheWriteInputTokens` when the
    /// answer has prompt-cache counts, and `totalTokens` their sum (as Converse reports it, cache tokens counted).
    public static func converseAnswer(_ answer: JSONValue) -> JSONValue {
        let message = JSONValue.object([
            JSONMember("role", answer["role"] ?? .string("assistant")),
            JSONMember("content", .array(converseBlocks(answer["content"]))),
        ])
        var body = [JSONMember("output", .object([JSONMember("message", message)]))]
        if let stopReason = answer["stop_reason"] { body.append(JSONMember("stopReason", stopReason)) }
        if let usage = answer["usage"] {
            var converted: [JSONMember] = []
            var total = 0, whole = true
            for (name, converseName) in [("input_tokens", "inputTokens"), ("output_tokens", "outputTokens"),
                                         ("cache_read_input_tokens", "cacheReadInputTokens"),
                                         ("cache_creation_input_tokens", "cacheWriteInputTokens")] {
                guard let value = usage[name] else { continue }
                converted.append(JSONMember(converseName, value))
                if let count = integer(value) { total += count } else { whole = false }
            }
            if whole, usage["input_tokens"] != nil, usage["output_tokens"] != nil {
                converted.insert(JSONMember("totalTokens", .number(String(total))), at: 2)
            }
            body.append(JSONMember("usage", .object(converted)))
        }
        return .object(body)
    }

    /// `tools` as Converse `toolSpec`s (a `cachePoint` after one with `cache_control`), and the tools that have no
    /// `toolSpec` shape (Anthropic-defined tools such as `bash_20250124`, or other members) kept as they are.
    private static func converseTools(_ tools: JSONValue) -> (specs: [JSONValue], unmapped: JSONValue?) {
        guard let list = tools.arrayValue else { return ([], tools) }
        var specs: [JSONValue] = [], unmapped: [JSONValue] = []
        for tool in list {
            let known: Set<String> = ["name", "description", "input_schema", "cache_control", "type"]
            guard let members = tool.objectValue, tool["name"]?.stringValue != nil,
                  members.allSatisfy({ known.contains($0.key) }), (tool["type"]?.stringValue ?? "custom") == "custom" else {
                unmapped.append(tool)
                continue
            }
            var spec = [JSONMember("name", tool["name"] ?? .null)]
            if let description = tool["description"] { spec.append(JSONMember("description", description)) }
            if let schema = tool["input_schema"] {
                spec.append(JSONMember("inputSchema", .object([JSONMember("json", schema)])))
            }
            specs.append(.object([JSONMember("toolSpec", .object(spec))]))
            if tool["cache_control"] != nil { specs.append(cachePoint) }
        }
        return (specs, unmapped.isEmpty ? nil : .array(unmapped))
    }

    /// `{"type": "auto"}` → `{"auto": {}}`, `{"type": "any"}` → `{"any": {}}`, `{"type": "tool", "name": n}` →
    /// `{"tool": {"name": n}}`; nil for any other choice (`none`, `disable_parallel_tool_use`), which Converse lacks.
    private static func converseToolChoice(_ choice: JSONValue) -> JSONValue? {
        guard let members = choice.objectValue, let type = choice["type"]?.stringValue else { return nil }
        switch (type, members.count) {
        case ("auto", 1), ("any", 1):
            return .object([JSONMember(type, .object([]))])
        case ("tool", 2):
            guard let name = choice["name"] else { return nil }
            return .object([JSONMember("tool", .object([JSONMember("name", name)]))])
        default:
            return nil
        }
    }

    /// A `content` (or `system`) value as Converse blocks: a string is one text block, an array block by block.
    static func converseBlocks(_ content: JSONValue?) -> [JSONValue] {
        guard let content else { return [] }
        if let text = content.stringValue { return [.object([JSONMember("text", .string(text))])] }
        guard let blocks = content.arrayValue else { return [unknownBlock(content)] }
        return blocks.flatMap { block in
            [converseBlock(block)] + (block["cache_control"] != nil ? [cachePoint] : [])
        }
    }

    /// One Anthropic block as one Converse block; a type without a Converse counterpart becomes `{type: rest}`,
    /// which Converse readers show by its name.
    static func converseBlock(_ block: JSONValue) -> JSONValue {
        func wrap(_ name: String, _ members: [JSONMember]) -> JSONValue {
            .object([JSONMember(name, .object(members))])
        }
        func copy(_ pairs: [(String, String)]) -> [JSONMember] {
            pairs.compactMap { name, converseName in block[name].map { JSONMember(converseName, $0) } }
        }
        switch block["type"]?.stringValue {
        case "text":
            return .object([JSONMember("text", block["text"] ?? .string(""))])
        case "image":
            return wrap("image", media(block, name: nil))
        case "document":
            return wrap("document", media(block, name: block["title"] ?? .string("document")))
        case "tool_use":
            return wrap("toolUse", copy([("id", "toolUseId"), ("name", "name"), ("input", "input")]))
        case "tool_result":
            var result = copy([("tool_use_id", "toolUseId")])
            result.append(JSONMember("content", .array(toolResultContent(block["content"]))))
            if block["is_error"]?.boolValue == true { result.append(JSONMember("status", .string("error"))) }
            return wrap("toolResult", result)
        case "thinking":
            let reasoning = copy([("thinking", "text"), ("signature", "signature")])
            return wrap("reasoningContent", [JSONMember("reasoningText", .object(reasoning))])
        case "redacted_thinking":
            return .object([JSONMember("reasoningContent", .object(copy([("data", "redactedContent")])))])
        default:
            return unknownBlock(block)
        }
    }

    /// A tool result's content: a string is one text part; text, image and document blocks convert, any other
    /// block is a `json` part holding the block as it is.
    private static func toolResultContent(_ content: JSONValue?) -> [JSONValue] {
        guard let content else { return [] }
        if let text = content.stringValue { return [.object([JSONMember("text", .string(text))])] }
        guard let parts = content.arrayValue else { return [.object([JSONMember("json", content)])] }
        return parts.map { part in
            switch part["type"]?.stringValue {
            case "text", "image", "document": converseBlock(part)
            default: .object([JSONMember("json", part)])
            }
        }
    }

    /// An image or document: `format` from the media type (`image/png` → `png`, `application/pdf` → `pdf`,
    /// `text/plain` → `txt`), base64 `data` as `source.bytes`, a text source as `source.text`, a content source as
    /// `source.content`; any other source (a URL, a file id) kept as it is.
    private static func media(_ block: JSONValue, name: JSONValue?) -> [JSONMember] {
        let source = block["source"]
        var members: [JSONMember] = []
        if let mediaType = source?["media_type"]?.stringValue {
            members.append(JSONMember("format", .string(format(mediaType: mediaType))))
        } else if source?["type"]?.stringValue == "content" {
            members.append(JSONMember("format", .string("txt")))
        }
        if let name { members.append(JSONMember("name", name)) }
        let converted: JSONValue? = switch source?["type"]?.stringValue {
        case "base64": source?["data"].map { .object([JSONMember("bytes", $0)]) }
        case "text": source?["data"].map { .object([JSONMember("text", $0)]) }
        case "content": .object([JSONMember("content", .array(converseBlocks(source?["content"])))])
        default: nil
        }
        if let source = converted ?? source { members.append(JSONMember("source", source)) }
        return members
    }

    /// The Converse format name of a media type: its subtype, with `plain` as `txt` and `markdown` as `md`.
    static func format(mediaType: String) -> String {
        let subtype = mediaType.split(separator: "/", maxSplits: 1).last.map(String.init) ?? mediaType
        switch subtype {
        case "plain": return "txt"
        case "markdown": return "md"
        default: return subtype
        }
    }

    /// A block with no Converse counterpart: `{"<type>": <the block without type and cache_control>}`, or
    /// `{"unknown": <the value>}` when it has no string type.
    private static func unknownBlock(_ block: JSONValue) -> JSONValue {
        guard let type = block["type"]?.stringValue, let members = block.objectValue else {
            return .object([JSONMember("unknown", block)])
        }
        return .object([JSONMember(type, .object(members.filter { $0.key != "type" && $0.key != "cache_control" }))])
    }

    /// The Converse block that marks a prompt-cache checkpoint, for Anthropic's `cache_control`.
    private static let cachePoint = JSONValue.object([
        JSONMember("cachePoint", .object([JSONMember("type", .string("default"))])),
    ])
}
