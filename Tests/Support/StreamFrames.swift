import TapedeckCodec

/// Event-stream frames as Bedrock sends them, for origins that stream.
package enum StreamFrames {
    /// The ConverseStream route of the model the harness records.
    package static let streamPath = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream"
    /// The Content-Type of an event stream, as an origin sends it.
    package static let eventStream = [(name: "Content-Type", value: "application/vnd.amazon.eventstream")]

    /// The `:event-type` (or `:exception-type`) of every frame in `body`.
    package static func eventTypes(_ body: [UInt8]) throws -> [String] {
        try decode(body).map { $0.stringHeader(":event-type") ?? $0.stringHeader(":exception-type") ?? "?" }
    }

    /// One `:message-type event` frame with a compact JSON payload.
    package static func event(_ type: String, _ payload: String) -> [UInt8] {
        let json = try! JSONParser.parse(payload)
        return try! EventStreamEncoder.encode(.event(type: type, payload: JSONWriter.compact(json)))
    }

    /// One in-stream exception frame with lowerCamelCase `:exception-type`.
    package static func exception(_ type: String, _ message: String) -> [UInt8] {
        let payload = JSONWriter.compact(.object([JSONMember("message", .string(message))]))
        return try! EventStreamEncoder.encode(.exception(type: type, payload: payload))
    }

    /// A complete text answer: messageStart, deltas (padding included), stop events, metadata last.
    package static func text(_ pieces: [String], inputTokens: Int = 9, outputTokens: Int = 4) -> [[UInt8]] {
        var frames = [event("messageStart", #"{"p":"abcdefgh","role":"assistant"}"#)]
        for piece in pieces {
            let delta = JSONWriter.compact(.object([
                JSONMember("contentBlockIndex", .number("0")),
                JSONMember("delta", .object([JSONMember("text", .string(piece))])),
                JSONMember("p", .string("abcd")),
            ]))
            frames.append(event("contentBlockDelta", String(decoding: delta, as: UTF8.self)))
        }
        frames.append(event("contentBlockStop", #"{"contentBlockIndex":0}"#))
        frames.append(event("messageStop", #"{"stopReason":"end_turn"}"#))
        frames.append(event("metadata", #"{"usage":{"inputTokens":\#(inputTokens),"outputTokens":\#(outputTokens),"totalTokens":\#(inputTokens + outputTokens)},"metrics":{"latencyMs":321}}"#))
        return frames
    }

    /// Decodes a whole event-stream body.
    package static func decode(_ bytes: [UInt8]) throws -> [EventStreamMessage] {
        var decoder = EventStreamDecoder()
        let messages = try decoder.feed(bytes)
        guard decoder.bufferedByteCount == 0 else { throw StreamFramesError.trailingBytes(decoder.bufferedByteCount) }
        return messages
    }

    enum StreamFramesError: Error { case trailingBytes(Int) }
}
