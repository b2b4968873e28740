import TapedeckCodec

/// Frames and message sets shared by the event-stream tests: PROTOCOL.md's worked example, a frame builder that
/// takes raw headers bytes, and a seeded mix of messages using every header type.
package enum EventStreamFixtures {
    /// The payload of PROTOCOL.md's worked `contentBlockDelta` example.
    package static let examplePayload = Array(#"{"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"abcd"}"#.utf8)

    /// The message of PROTOCOL.md's worked example.
    package static let exampleMessage = EventStreamMessage.event(type: "contentBlockDelta", payload: examplePayload)

    /// PROTOCOL.md's worked example, 159 bytes as boto3's `EventStreamBuffer` decodes them.
    package static let exampleFrame = bytes(fromHex: """
        00 00 00 9f 00 00 00 57 c3 7b ab ff 0b 3a 65 76 65 6e 74 2d 74 79 70 65 07 00 11 63 6f 6e 74 65
        6e 74 42 6c 6f 63 6b 44 65 6c 74 61 0d 3a 63 6f 6e 74 65 6e 74 2d 74 79 70 65 07 00 10 61 70 70
        6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e 0d 3a 6d 65 73 73 61 67 65 2d 74 79 70 65 07 00 05 65 76
        65 6e 74 7b 22 63 6f 6e 74 65 6e 74 42 6c 6f 63 6b 49 6e 64 65 78 22 3a 30 2c 22 64 65 6c 74 61
        22 3a 7b 22 74 65 78 74 22 3a 22 48 69 22 7d 2c 22 70 22 3a 22 61 62 63 64 22 7d f2 ac e5 ff
        """)

    /// Bytes from whitespace-separated hex pairs.
    package static func bytes(fromHex text: String) -> [UInt8] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { pair in
            guard let byte = UInt8(pair, radix: 16) else { preconditionFailure("bad hex pair \(pair)") }
            return byte
        }
    }

    /// Lowercase hex pairs separated by spaces, for failure messages.
    package static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }

    /// A frame around raw `headers` bytes (valid or not), with correct lengths and CRCs.
    package static func frame(headers: [UInt8], payload: [UInt8] = []) -> [UInt8] {
        var out = prelude(totalLength: UInt32(16 + headers.count + payload.count), headersLength: UInt32(headers.count))
        out += headers
        out += payload
        append(CRC32.checksum(out), to: &out)
        return out
    }

    /// Twelve prelude bytes announcing the given lengths, with a correct prelude CRC.
    package static func prelude(totalLength: UInt32, headersLength: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        append(totalLength, to: &out)
        append(headersLength, to: &out)
        append(CRC32.checksum(out), to: &out)
        return out
    }

    /// Appends a big-endian u32.
    package static func append(_ value: UInt32, to out: inout [UInt8]) {
        out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// One header of every type, extremes included.
    package static let everyHeaderType: [EventStreamHeader] = [
        EventStreamHeader("true", .bool(true)),
        EventStreamHeader("false", .bool(false)),
        EventStreamHeader("byte-min", .byte(.min)),
        EventStreamHeader("byte-max", .byte(.max)),
        EventStreamHeader("short-min", .short(.min)),
        EventStreamHeader("short-max", .short(.max)),
        EventStreamHeader("integer-min", .integer(.min)),
        EventStreamHeader("integer-max", .integer(.max)),
        EventStreamHeader("long-min", .long(.min)),
        EventStreamHeader("long-max", .long(.max)),
        EventStreamHeader("bytes", .bytes([0x00, 0xFF, 0x80, 0x7F])),
        EventStreamHeader("bytes-empty", .bytes([])),
        EventStreamHeader("string", .string("Café ☕ 😀")),
        EventStreamHeader("string-empty", .string("")),
        EventStreamHeader("timestamp", .timestamp(1_700_000_000_123)),
        EventStreamHeader("timestamp-negative", .timestamp(-86_400_000)),
        EventStreamHeader("uuid", .uuid((0..<16).map { UInt8($0 * 17) })),
    ]

    /// `count` varied messages: every header type, empty and multi-kilobyte payloads, some Bedrock-shaped.
    package static func variedMessages(_ count: Int, using generator: inout ConverseFixtures.SeededGenerator) -> [EventStreamMessage] {
        (0..<count).map { index in
            switch index % 5 {
            case 0:
                let text = String(repeating: "token ", count: Int.random(in: 0...40, using: &generator))
                return .event(type: "contentBlockDelta", payload: Array(#"{"delta":{"text":"\#(text)"}}"#.utf8))
            case 1:
                return .exception(type: "throttlingException", payload: Array(#"{"message":"slow down"}"#.utf8))
            default:
                let headerCount = Int.random(in: 0...6, using: &generator)
                let headers = (0..<headerCount).map { _ in everyHeaderType[Int.random(in: 0..<everyHeaderType.count, using: &generator)] }
                let payloadLength = index % 7 == 0 ? 0 : Int.random(in: 0...3_000, using: &generator)
                let payload = (0..<payloadLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                return EventStreamMessage(headers: headers, payload: payload)
            }
        }
    }
}
