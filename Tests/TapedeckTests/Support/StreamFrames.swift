@testable import Tapedeck

/// Event-stream frames as Bedrock sends them, for origins that stream.
enum StreamFrames {
    /// One `:message-type event` frame with a compact JSON payload.
    static func event(_ type: String, _ payload: String) -> [UInt8] {
        let json = try! JSONParser.parse(payload)
        return try! EventStreamEncoder.encode(.event(type: type, payload: JSONWriter.compact(json)))
    }

    /// One in-stream exception frame with lowerCamelCase `:exception-type`.
    static func exception(_ type: String, _ message: String) -> [UInt8] {
        let payload = JSONWriter.compact(.object([JSONMember("message", .string(message))]))
        return try! EventStreamEncoder.encode(.exception(type: type, payload: payload))
    }

    /// A complete text answer: messageStart, deltas (padding included), stop events, metadata last.
    static func text(_ pieces: [String], inputTokens: Int = 9, outputTokens: Int = 4) -> [[UInt8]] {
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
    static func decode(_ bytes: [UInt8]) throws -> [EventStreamMessage] {
        var decoder = EventStreamDecoder()
        let messages = try decoder.feed(bytes)
        guard decoder.bufferedByteCount == 0 else { throw StreamFramesError.trailingBytes(decoder.bufferedByteCount) }
        return messages
    }

    enum StreamFramesError: Error { case trailingBytes(Int) }
}
