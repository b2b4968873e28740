import TapedeckCodec
/// Anthropic Messages streams and answers, each made from the other: `fold` answers InvokeModel from a recorded
/// stream, `events(from:)` answers InvokeModelWithResponseStream from a recorded answer.
extension AnthropicMessages {
    /// The InvokeModel answer the stream's decoded model events add up to, as Bedrock returns it: `message_start`'s
    /// message (its members in their order) with `content` the folded blocks, every `message_delta`'s `delta`
    /// members (`stop_reason`, `stop_sequence`) in place, and `usage` that of `message_start` with each
    /// `message_delta`'s usage members taking precedence. `message_stop`'s invocation metrics are not part of it.
    ///
    /// A block is its `content_block_start` object with its deltas applied: `text_delta` appends to `text`,
    /// `thinking_delta` to `thinking`, `signature_delta` to `signature`, `citations_delta` adds to `citations`, and
    /// the `input_json_delta` pieces, joined, parse as `input` (no pieces keep the start's `input`). Blocks of types
    /// not known here fold the same way, so one that arrives whole in its start (`redacted_thinking`) is kept.
    /// `ping` and event types not known here are skipped, as Anthropic asks of clients; an `error` event, a
    /// delta type not known here, a missing `message_start`, `message_delta` or block stop, block indexes that are
    /// not 0, 1, 2…, or anything after `message_stop` (which must end the stream) is refused.
    public static func fold(_ events: [JSONValue]) throws(StreamFoldError) -> JSONValue {
        var fold = AnthropicStreamFold()
        for (position, event) in events.enumerated() {
            do throws(StreamFoldError) {
                try fold.take(event)
            } catch {
                throw error.within("event \(position) (\(event["type"]?.stringValue ?? "no type"))")
            }
        }
        return try fold.answer()
    }

    /// The stream that answers like `answer`, as Claude on Bedrock streams it: `message_start` (the answer's members
    /// in their order, with `content` empty, `stop_reason` and `stop_sequence` null and `usage.output_tokens` at
    /// most 1); per block `content_block_start` (the block with `text`, `thinking`, `signature` empty, `citations`
    /// `[]`, a tool's `input` `{}`), then what was emptied as deltas (one `text_delta`, even of empty text; one
    /// `thinking_delta` and one `signature_delta` unless empty; one `citations_delta` per citation; one
    /// `input_json_delta` of the compact input), and
    /// `content_block_stop`; `message_delta` with `stop_reason` (and `stop_sequence` when the answer has it) and
    /// `usage.output_tokens`; `message_stop` with `amazon-bedrock-invocationMetrics` from the usage and latencies 0
    /// for the caller to set. Blocks of other types travel whole in their start. `fold` gives `answer` back exactly.
    public static func events(from answer: JSONValue) throws(StreamFoldError) -> [JSONValue] {
        guard let members = answer.objectValue else { throw .missing("the answer", expected: "an object") }
        guard let content = answer["content"]?.arrayValue else { throw .missing("\"content\"", expected: "an array") }
        guard let stopReason = answer["stop_reason"] else { throw .missing("\"stop_reason\"", expected: "present") }
        guard let usage = answer["usage"]?.objectValue else { throw .missing("\"usage\"", expected: "an object") }
        let counts = JSONValue.object(usage)
        guard let input = integer(counts["input_tokens"]), let outputLiteral = counts["output_tokens"],
              let output = integer(outputLiteral) else {
            throw .missing("\"usage.input_tokens\" and \"usage.output_tokens\"", expected: "integers")
        }

        let startUsage = replacing(["output_tokens": .number(String(min(output, 1)))], in: usage)
        let message = replacing(["content": .array([]), "stop_reason": .null, "stop_sequence": .null,
                                 "usage": .object(startUsage)], in: members)
        var events = [event("message_start", [JSONMember("message", .object(message))])]
        for (index, block) in content.enumerated() {
            do throws(StreamFoldError) {
                events += try blockEvents(block, index: index)
            } catch {
                throw error.within("content block \(index)")
            }
        }
        var delta = [JSONMember("stop_reason", stopReason)]
        if let stopSequence = answer["stop_sequence"] { delta.append(JSONMember("stop_sequence", stopSequence)) }
        events.append(event("message_delta", [
            JSONMember("delta", .object(delta)),
            JSONMember("usage", .object([JSONMember("output_tokens", outputLiteral)])),
        ]))
        events.append(event("message_stop", [JSONMember(invocationMetrics, .object([
            JSONMember("inputTokenCount", .number(String(input))), JSONMember("outputTokenCount", .number(String(output))),
            JSONMember("invocationLatency", .number("0")), JSONMember("firstByteLatency", .number("0")),
        ]))]))
        return events
    }

    /// `content_block_start`, the deltas that fill in what the start left empty, and `content_block_stop`.
    private static func blockEvents(_ block: JSONValue, index: Int) throws(StreamFoldError) -> [JSONValue] {
        guard let members = block.objectValue, let type = block["type"]?.stringValue else {
            throw .missing("a content block", expected: "an object with a string \"type\"")
        }
        let at = JSONMember("index", .number(String(index)))
        var emptied: [String: JSONValue] = [:]
        var deltas: [[JSONMember]] = []
        /// Empties the string member `key` and sends it as one delta (none for an empty one unless `always`).
        func text(_ key: String, delta: String, always: Bool = false) throws(StreamFoldError) {
            guard let value = block[key] else { return }
            guard let text = value.stringValue else { throw .missing("\"\(key)\"", expected: "a string") }
            emptied[key] = .string("")
            if always || !text.isEmpty { deltas.append([JSONMember("type", .string(delta)), JSONMember(key, value)]) }
        }
        switch type {
        case "text":
            guard block["text"]?.stringValue != nil else { throw .missing("\"text\"", expected: "a string") }
            try text("text", delta: "text_delta", always: true)
            if let citations = block["citations"] {
                guard let list = citations.arrayValue else { throw .missing("\"citations\"", expected: "an array") }
                emptied["citations"] = .array([])
                deltas += list.map { [JSONMember("type", .string("citations_delta")), JSONMember("citation", $0)] }
            }
        case "thinking":
            guard block["thinking"]?.stringValue != nil else { throw .missing("\"thinking\"", expected: "a string") }
            try text("thinking", delta: "thinking_delta")
            try text("signature", delta: "signature_delta")
        case "tool_use":
            let input = try block.required("input")
            emptied["input"] = .object([])
            let json = String(decoding: JSONWriter.compact(input), as: UTF8.self)
            deltas.append([JSONMember("type", .string("input_json_delta")), JSONMember("partial_json", .string(json))])
        default:
            break
        }
        let start = event("content_block_start", [at, JSONMember("content_block", .object(replacing(emptied, in: members)))])
        let middle = deltas.map { event("content_block_delta", [at, JSONMember("delta", .object($0))]) }
        return [start] + middle + [event("content_block_stop", [at])]
    }

    /// A model event: `type` first, then `members`.
    private static func event(_ type: String, _ members: [JSONMember]) -> JSONValue {
        .object([JSONMember("type", .string(type))] + members)
    }
}
