import TapedeckCodec
/// What the events of an Anthropic Messages stream have said so far, for `AnthropicMessages.fold`.
struct AnthropicStreamFold {
    /// One content block: its `content_block_start` object, and its deltas so far, applied when it stops.
    private struct Block {
        var members: [JSONMember]
        /// Text appended to string members (`text`, `thinking`, `signature`), by member, in order of first delta.
        var appended: [(key: String, text: String)] = []
        var citations: [JSONValue] = []
        /// The `input_json_delta` pieces so far, joined; JSON only once the block stops.
        var partialJSON = ""
        var stopped = false
    }

    /// `message_start`'s message, members in order (its `content` empty until `answer` fills it).
    private var message: [JSONMember]?
    private var blocks: [Int: Block] = [:]
    /// Every `message_delta`'s `delta` members, later ones taking precedence.
    private var delta: [JSONMember] = []
    /// Every `message_delta`'s `usage` members, later ones taking precedence.
    private var usage: [JSONMember] = []
    private var sawMessageDelta = false
    private var stopped = false

    /// Applies one decoded model event.
    mutating func take(_ event: JSONValue) throws(StreamFoldError) {
        guard event.objectValue != nil, let type = event["type"]?.stringValue else {
            throw .missing("an event", expected: "an object with a string \"type\"")
        }
        guard !stopped else { throw StreamFoldError(reason: "an event after message_stop, which must end the stream") }
        switch type {
        case "ping":
            return
        case "error":
            let error = event["error"]
            let name = error?["type"]?.stringValue ?? "an error"
            throw StreamFoldError(reason: "the stream reports \(name): \(error?["message"]?.stringValue ?? "no message")")
        case "message_start":
            guard message == nil else { throw StreamFoldError(reason: "a second message_start") }
            guard let members = event["message"]?.objectValue else { throw .missing("\"message\"", expected: "an object") }
            if let content = event["message"]?["content"], content.arrayValue?.isEmpty != true {
                throw .missing("\"message.content\"", expected: "an empty array")
            }
            message = members
            return
        case "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop":
            guard message != nil else { throw StreamFoldError(reason: "a \(type) before message_start") }
        default:
            // Anthropic's API versioning: new event types may appear, and clients are to skip those they do not know.
            return
        }
        switch type {
        case "content_block_start":
            let index = try Self.index(of: event)
            guard blocks[index] == nil else { throw StreamFoldError(reason: "block \(index) started twice") }
            let start = event["content_block"]
            guard let members = start?.objectValue, start?["type"]?.stringValue != nil else {
                throw .missing("\"content_block\"", expected: "an object with a string \"type\"")
            }
            blocks[index] = Block(members: members)
        case "content_block_delta":
            let index = try Self.index(of: event)
            // Taken out while it changes, so that appending to its text does not copy the text.
            guard var block = blocks.removeValue(forKey: index), !block.stopped else {
                throw StreamFoldError(reason: "a delta for block \(index), which is not open")
            }
            do throws(StreamFoldError) {
                try Self.apply(event.required("delta"), to: &block)
            } catch {
                throw error.within("block \(index)")
            }
            blocks[index] = block
        case "content_block_stop":
            let index = try Self.index(of: event)
            guard var block = blocks[index], !block.stopped else {
                throw StreamFoldError(reason: "a stop for block \(index), which is not open")
            }
            try Self.finish(&block, index: index)
            blocks[index] = block
        case "message_delta":
            guard let members = event["delta"]?.objectValue else { throw .missing("\"delta\"", expected: "an object") }
            for member in members { AnthropicMessages.set(member.key, member.value, in: &delta) }
            if let usage = event["usage"] {
                guard let members = usage.objectValue else { throw .missing("\"usage\"", expected: "an object") }
                for member in members { AnthropicMessages.set(member.key, member.value, in: &self.usage) }
            }
            sawMessageDelta = true
        default:
            stopped = true
        }
    }

    /// The folded answer; a stream that did not reach `message_stop` or left a block open is incomplete.
    func answer() throws(StreamFoldError) -> JSONValue {
        guard var members = message else { throw StreamFoldError(reason: "the stream has no message_start") }
        guard stopped else { throw StreamFoldError(reason: "the stream does not end with message_stop") }
        guard sawMessageDelta else { throw StreamFoldError(reason: "the stream has no message_delta (no stop_reason)") }
        var content: [JSONValue] = []
        for index in 0..<blocks.count {
            guard let block = blocks[index] else {
                throw StreamFoldError(reason: "blocks \(blocks.keys.sorted()) are not numbered from 0 without gaps")
            }
            guard block.stopped else { throw StreamFoldError(reason: "block \(index) has no content_block_stop") }
            content.append(.object(block.members))
        }
        AnthropicMessages.set("content", .array(content), in: &members)
        for member in delta { AnthropicMessages.set(member.key, member.value, in: &members) }
        if !usage.isEmpty {
            var merged = JSONValue.object(members)["usage"]?.objectValue ?? []
            for member in usage { AnthropicMessages.set(member.key, member.value, in: &merged) }
            AnthropicMessages.set("usage", .object(merged), in: &members)
        }
        return .object(members)
    }

    /// `index` as a non-negative integer.
    private static func index(of event: JSONValue) throws(StreamFoldError) -> Int {
        guard let index = AnthropicMessages.integer(event["index"]), index >= 0 else {
            throw .missing("\"index\"", expected: "a non-negative integer")
        }
        return index
    }

    /// Applies one `delta` object: the members it adds to are strings (`citations` an array) or absent.
    private static func apply(_ delta: JSONValue, to block: inout Block) throws(StreamFoldError) {
        guard let type = delta["type"]?.stringValue else { throw .missing("\"delta.type\"", expected: "a string") }
        switch type {
        case "text_delta": try append(delta, "text", to: &block)
        case "thinking_delta": try append(delta, "thinking", to: &block)
        case "signature_delta": try append(delta, "signature", to: &block)
        case "input_json_delta":
            guard let piece = delta["partial_json"]?.stringValue else {
                throw .missing("\"delta.partial_json\"", expected: "a string")
            }
            block.partialJSON += piece
        case "citations_delta":
            block.citations.append(try delta.required("citation"))
        default:
            throw StreamFoldError(reason: "unsupported delta type \"\(type)\"")
        }
    }

    /// Adds the delta's string `key` to what the block's `key` has had appended.
    private static func append(_ delta: JSONValue, _ key: String, to block: inout Block) throws(StreamFoldError) {
        guard let piece = delta[key]?.stringValue else { throw .missing("\"delta.\(key)\"", expected: "a string") }
        if let slot = block.appended.firstIndex(where: { $0.key == key }) {
            block.appended[slot].text += piece
        } else {
            block.appended.append((key, piece))
        }
    }

    /// Closes a block: the appended text after its start's (empty) strings, the citations after its start's, and
    /// its joined tool input, if any arrived, parsed as its `input`.
    private static func finish(_ block: inout Block, index: Int) throws(StreamFoldError) {
        block.stopped = true
        let start = JSONValue.object(block.members)
        for (key, text) in block.appended {
            guard let existing = (start[key] ?? .string("")).stringValue else {
                throw StreamFoldError(
                    reason: "block \(index): \"\(key)\" deltas for a start whose \"\(key)\" is not a string")
            }
            AnthropicMessages.set(key, .string(existing + text), in: &block.members)
        }
        if !block.citations.isEmpty {
            guard let existing = (start["citations"] ?? .array([])).arrayValue else {
                throw StreamFoldError(
                    reason: "block \(index): citations deltas for a start whose \"citations\" is not an array")
            }
            AnthropicMessages.set("citations", .array(existing + block.citations), in: &block.members)
        }
        guard !block.partialJSON.isEmpty else { return }
        do {
            AnthropicMessages.set("input", try JSONParser.parse(block.partialJSON), in: &block.members)
        } catch {
            throw StreamFoldError(reason: "block \(index): the joined input_json_delta is not valid JSON (\(error))")
        }
    }
}
