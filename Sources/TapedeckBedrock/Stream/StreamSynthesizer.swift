import TapedeckCodec
/// Turns a recorded Converse body into the ConverseStream events that answer the same question as a stream.
public enum StreamSynthesizer {
    /// How many words one synthesized text delta carries at most.
    static let wordsPerChunk = 4

    /// The events, all at offset 0, in the order PROTOCOL.md gives: `messageStart`, each block's
    /// (`contentBlockStart`,) deltas and `contentBlockStop`, `messageStop`, and `metadata` last.
    public static func events(from body: JSONValue) throws(StreamFoldError) -> [StreamEvent] {
        guard let message = body["output"]?["message"] else {
            throw .missing("\"output.message\"", expected: "present")
        }
        guard let content = message["content"]?.arrayValue else {
            throw .missing("\"output.message.content\"", expected: "an array")
        }
        var events = [event("messageStart", [JSONMember("role", .string(try message.requiredString("role")))])]
        for (index, block) in content.enumerated() {
            do throws(StreamFoldError) {
                events += try blockEvents(block, index: index)
            } catch {
                throw error.within("content block \(index)")
            }
        }
        var stop = [JSONMember("stopReason", .string(try body.requiredString("stopReason")))]
        if let fields = body["additionalModelResponseFields"] {
            stop.append(JSONMember("additionalModelResponseFields", fields))
        }
        var metadata = [JSONMember("usage", try body.required("usage")),
                        JSONMember("metrics", try body.required("metrics"))]
        for name in ["trace", "performanceConfig", "serviceTier"] {
            if let value = body[name] { metadata.append(JSONMember(name, value)) }
        }
        return events + [event("messageStop", stop), event("metadata", metadata)]
    }

    /// The events of one content block: text, toolUse and reasoningContent are supported.
    private static func blockEvents(_ block: JSONValue, index: Int) throws(StreamFoldError) -> [StreamEvent] {
        guard let members = block.objectValue, members.count == 1, let member = members.first else {
            throw .missing("a content block", expected: "an object with exactly one member")
        }
        let at = JSONMember("contentBlockIndex", .number(String(index)))
        let stop = event("contentBlockStop", [at])
        let value = member.value
        switch member.key {
        case "text":
            guard let text = value.stringValue else { throw .missing("\"text\"", expected: "a string") }
            return textDeltas(text, at: at) { .object([JSONMember("text", .string($0))]) } + [stop]
        case "toolUse":
            var start = [JSONMember("toolUseId", .string(try value.requiredString("toolUseId"))),
                         JSONMember("name", .string(try value.requiredString("name")))]
            if let type = value["type"] { start.append(JSONMember("type", type)) }
            let input = String(decoding: JSONWriter.compact(try value.required("input")), as: UTF8.self)
            return [
                event("contentBlockStart", [at, JSONMember("start", .object([JSONMember("toolUse", .object(start))]))]),
                delta(at, .object([JSONMember("toolUse", .object([JSONMember("input", .string(input))]))])),
                stop,
            ]
        case "reasoningContent":
            return try reasoningEvents(value, at: at) + [stop]
        default:
            throw StreamFoldError(reason: "a \"\(member.key)\" block cannot be streamed")
        }
    }

    /// Reasoning text as text-like deltas then its signature, or redacted reasoning as one delta.
    private static func reasoningEvents(_ value: JSONValue, at: JSONMember) throws(StreamFoldError) -> [StreamEvent] {
        func reasoning(_ name: String, _ text: String) -> JSONValue {
            .object([JSONMember("reasoningContent", .object([JSONMember(name, .string(text))]))])
        }
        guard value.objectValue?.count == 1 else {
            throw .missing("\"reasoningContent\"", expected: "an object with exactly one member")
        }
        if let redacted = value["redactedContent"] {
            guard let text = redacted.stringValue else {
                throw .missing("\"reasoningContent.redactedContent\"", expected: "a base64 string")
            }
            return [delta(at, reasoning("redactedContent", text))]
        }
        guard let reasoningText = value["reasoningText"] else {
            throw .missing("\"reasoningContent\"", expected: "reasoningText or redactedContent")
        }
        var events = textDeltas(try reasoningText.requiredString("text"), at: at) { reasoning("text", $0) }
        if let signature = reasoningText["signature"] {
            guard let text = signature.stringValue else {
                throw .missing("\"reasoningText.signature\"", expected: "a string")
            }
            events.append(delta(at, reasoning("signature", text)))
        }
        return events
    }

    /// One delta per chunk of `text`, each made by `wrap`.
    private static func textDeltas(_ text: String, at: JSONMember, wrap: (String) -> JSONValue) -> [StreamEvent] {
        chunks(of: text).map { delta(at, wrap($0)) }
    }

    /// `text` in chunks of at most `wordsPerChunk` words, each word keeping the whitespace after it (leading
    /// whitespace stays in the first chunk), so that joining the chunks gives back `text` exactly; an empty
    /// text is one empty chunk. Chunks never split a `Character`, so emoji sequences stay whole.
    static func chunks(of text: String) -> [String] {
        var chunks: [String] = []
        var current = ""
        var words = 0
        var afterSpace = true
        for character in text {
            let isSpace = character.isWhitespace
            if !isSpace && afterSpace {
                if words == wordsPerChunk {
                    chunks.append(current)
                    current = ""
                    words = 0
                }
                words += 1
            }
            current.append(character)
            afterSpace = isSpace
        }
        chunks.append(current)
        return chunks
    }

    private static func delta(_ at: JSONMember, _ delta: JSONValue) -> StreamEvent {
        event("contentBlockDelta", [at, JSONMember("delta", delta)])
    }

    private static func event(_ type: String, _ members: [JSONMember]) -> StreamEvent {
        StreamEvent(type: type, payload: .object(members), offsetMs: 0)
    }
}
