import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct EventStreamEncoderTests {
    @Test func encodesTheWorkedExampleByteForByte() throws {
        let bytes = try EventStreamEncoder.encode(EventStreamFixtures.exampleMessage)
        #expect(bytes.count == 159)
        #expect(bytes == EventStreamFixtures.exampleFrame,
                "got \(EventStreamFixtures.hex(bytes))")
    }

    @Test func encodesAnEmptyMessageAsSixteenBytes() throws {
        // zlib.crc32 of 00 00 00 10 00 00 00 00 is 0x05c248eb; of those twelve bytes, 0x7d98c8ff.
        let bytes = try EventStreamEncoder.encode(EventStreamMessage(headers: [], payload: []))
        #expect(bytes == EventStreamFixtures.bytes(fromHex: "00 00 00 10 00 00 00 00 05 c2 48 eb 7d 98 c8 ff"))
    }

    @Test func writesEveryHeaderTypeWithItsTypeCodeAndBigEndianValue() throws {
        let headers: [(EventStreamHeaderValue, [UInt8])] = [
            (.bool(true), [0]),
            (.bool(false), [1]),
            (.byte(-2), [2, 0xFE]),
            (.short(0x0102), [3, 0x01, 0x02]),
            (.integer(-2), [4, 0xFF, 0xFF, 0xFF, 0xFE]),
            (.long(0x0102_0304_0506_0708), [5, 1, 2, 3, 4, 5, 6, 7, 8]),
            (.bytes([0xAA, 0xBB]), [6, 0x00, 0x02, 0xAA, 0xBB]),
            (.string("é"), [7, 0x00, 0x02, 0xC3, 0xA9]),
            (.timestamp(-1), [8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            (.uuid(Array(1...16)), [9] + Array(1...16)),
        ]
        for (value, wire) in headers {
            let bytes = try EventStreamEncoder.encode(EventStreamMessage(headers: [EventStreamHeader("h", value)], payload: [0x7A]))
            let expectedHeaders: [UInt8] = [1, UInt8(ascii: "h")] + wire
            #expect(Array(bytes[12..<(12 + expectedHeaders.count)]) == expectedHeaders, "\(value)")
            #expect(bytes.count == 16 + expectedHeaders.count + 1)
            #expect(bytes[bytes.count - 5] == 0x7A, "payload follows the headers")
        }
    }

    @Test func preludeAndMessageCRCsCoverWhatTheSpecSays() throws {
        let bytes = try EventStreamEncoder.encode(EventStreamMessage(headers: EventStreamFixtures.everyHeaderType, payload: [1, 2, 3]))
        let total = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        #expect(total == bytes.count)
        let preludeCRC = bytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(preludeCRC == CRC32.checksum(bytes[0..<8]))
        let messageCRC = bytes[(bytes.count - 4)...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(messageCRC == CRC32.checksum(bytes[..<(bytes.count - 4)]))
    }

    @Test func appendsToExistingOutputAndConcatenatesStreams() throws {
        let second = EventStreamMessage.event(type: "messageStop", payload: Array(#"{"stopReason":"end_turn"}"#.utf8))
        var out: [UInt8] = [0xEE]
        try EventStreamEncoder.encode(EventStreamFixtures.exampleMessage, into: &out)
        try EventStreamEncoder.encode(second, into: &out)
        let expected = [0xEE] + EventStreamFixtures.exampleFrame + (try EventStreamEncoder.encode(second))
        #expect(out == expected)
        #expect(try EventStreamEncoder.encode([EventStreamFixtures.exampleMessage, second]) == Array(expected.dropFirst()))
    }

    @Test func acceptsTheLargestValuesTheWireCarries() throws {
        let name = String(repeating: "n", count: 255)
        let longText = String(repeating: "s", count: 65_535)
        let message = EventStreamMessage(headers: [EventStreamHeader(name, .string(longText))], payload: [])
        #expect(try EventStreamEncoder.encode(message).count == 16 + 1 + 255 + 1 + 2 + 65_535)
        let bytes = EventStreamMessage(headers: [EventStreamHeader("b", .bytes([UInt8](repeating: 7, count: 65_535)))], payload: [])
        #expect(try EventStreamEncoder.encode(bytes).count == 16 + 1 + 1 + 1 + 2 + 65_535)
        let payload = [UInt8](repeating: 1, count: EventStreamEncoder.maxMessageBytes - 16)
        #expect(try EventStreamEncoder.encode(EventStreamMessage(headers: [], payload: payload)).count == EventStreamEncoder.maxMessageBytes)
    }

    @Test(arguments: [
        (EventStreamHeader(String(repeating: "n", count: 256), .bool(true)), "header name \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn…\" is 256 bytes (at most 255)"),
        (EventStreamHeader("", .bool(true)), "header name is empty"),
        (EventStreamHeader("s", .string(String(repeating: "é", count: 32_768))), "header \"s\": string value is 65536 bytes of UTF-8 (at most 65535)"),
        (EventStreamHeader("b", .bytes([UInt8](repeating: 0, count: 65_536))), "header \"b\": bytes value is 65536 bytes (at most 65535)"),
        (EventStreamHeader("u", .uuid(Array(repeating: 0, count: 15))), "header \"u\": uuid value is 15 bytes (must be exactly 16)"),
        (EventStreamHeader("u", .uuid(Array(repeating: 0, count: 17))), "header \"u\": uuid value is 17 bytes (must be exactly 16)"),
    ])
    func refusesHeadersTheWireCannotCarry(header: EventStreamHeader, reason: String) {
        var out: [UInt8] = [1, 2, 3]
        let message = EventStreamMessage(headers: [EventStreamHeader("ok", .bool(true)), header], payload: [9])
        #expect(throws: EventStreamError.encoding(reason)) { try EventStreamEncoder.encode(message, into: &out) }
        #expect(out == [1, 2, 3], "a failed encode leaves the output as it was")
    }

    @Test func refusesMessagesOverTheLimits() {
        let payload = [UInt8](repeating: 1, count: EventStreamEncoder.maxMessageBytes - 15)
        #expect(throws: EventStreamError.encoding("message would be 16777217 bytes (at most 16777216)")) {
            try EventStreamEncoder.encode(EventStreamMessage(headers: [], payload: payload))
        }
        // Two 65,535-byte strings pass one by one but not together: botocore refuses headers over 128 KiB.
        let big = String(repeating: "x", count: 65_535)
        let headers = [EventStreamHeader("a", .string(big)), EventStreamHeader("b", .string(big))]
        #expect(throws: EventStreamError.encoding("headers take 131080 bytes (at most 131072)")) {
            try EventStreamEncoder.encode(EventStreamMessage(headers: headers, payload: []))
        }
    }

    /// Frames this encoder wrote, as botocore 1.x's `EventStreamBuffer` decoded them (python3 one-off, not a
    /// test dependency). Frame 1, total 291, headers 268, prelude CRC 0x38b22472, message CRC 0xc4295b6c:
    /// {'true': True, 'false': False, 'byte-min': -128, 'byte-max': 127, 'short-min': -32768, 'short-max': 32767,
    ///  'integer-min': -2147483648, 'integer-max': 2147483647, 'long-min': -9223372036854775808,
    ///  'long-max': 9223372036854775807, 'bytes': b'\x00\xff\x80\x7f', 'bytes-empty': b'', 'string': 'Café ☕ 😀',
    ///  'string-empty': '', 'timestamp': 1700000000123, 'timestamp-negative': -86400000,
    ///  'uuid': b'\x00\x11"3DUfw\x88\x99\xaa\xbb\xcc\xdd\xee\xff'}, payload b'{"k":1}'.
    /// Frame 2, total 136, headers 97: {':exception-type': 'throttlingException', ':content-type': 'application/json',
    ///  ':message-type': 'exception'}, payload b'{"message":"slow down"}' (to_response_dict status_code 400).
    /// Frame 3, total 16, headers 0: {}, payload b''.
    @Test func agreesWithBotocoresEventStreamBuffer() throws {
        let messages = [
            EventStreamMessage(headers: EventStreamFixtures.everyHeaderType, payload: Array(#"{"k":1}"#.utf8)),
            EventStreamMessage.exception(type: "throttlingException", payload: Array(#"{"message":"slow down"}"#.utf8)),
            EventStreamMessage(headers: [], payload: []),
        ]
        let frames = [
            EventStreamFixtures.bytes(fromHex: """
            00 00 01 23 00 00 01 0c 38 b2 24 72 04 74 72 75 65 00 05 66 61 6c 73 65 01 08 62 79 74 65 2d 6d
            69 6e 02 80 08 62 79 74 65 2d 6d 61 78 02 7f 09 73 68 6f 72 74 2d 6d 69 6e 03 80 00 09 73 68 6f
            72 74 2d 6d 61 78 03 7f ff 0b 69 6e 74 65 67 65 72 2d 6d 69 6e 04 80 00 00 00 0b 69 6e 74 65 67
            65 72 2d 6d 61 78 04 7f ff ff ff 08 6c 6f 6e 67 2d 6d 69 6e 05 80 00 00 00 00 00 00 00 08 6c 6f
            6e 67 2d 6d 61 78 05 7f ff ff ff ff ff ff ff 05 62 79 74 65 73 06 00 04 00 ff 80 7f 0b 62 79 74
            65 73 2d 65 6d 70 74 79 06 00 00 06 73 74 72 69 6e 67 07 00 0e 43 61 66 c3 a9 20 e2 98 95 20 f0
            9f 98 80 0c 73 74 72 69 6e 67 2d 65 6d 70 74 79 07 00 00 09 74 69 6d 65 73 74 61 6d 70 08 00 00
            01 8b cf e5 68 7b 12 74 69 6d 65 73 74 61 6d 70 2d 6e 65 67 61 74 69 76 65 08 ff ff ff ff fa d9
            a4 00 04 75 75 69 64 09 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 7b 22 6b 22 3a 31 7d c4
            29 5b 6c
            """),
            EventStreamFixtures.bytes(fromHex: """
            00 00 00 88 00 00 00 61 de 01 75 f4 0f 3a 65 78 63 65 70 74 69 6f 6e 2d 74 79 70 65 07 00 13 74
            68 72 6f 74 74 6c 69 6e 67 45 78 63 65 70 74 69 6f 6e 0d 3a 63 6f 6e 74 65 6e 74 2d 74 79 70 65
            07 00 10 61 70 70 6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e 0d 3a 6d 65 73 73 61 67 65 2d 74 79 70
            65 07 00 09 65 78 63 65 70 74 69 6f 6e 7b 22 6d 65 73 73 61 67 65 22 3a 22 73 6c 6f 77 20 64 6f
            77 6e 22 7d 83 2e e0 72
            """),
            EventStreamFixtures.bytes(fromHex: "00 00 00 10 00 00 00 00 05 c2 48 eb 7d 98 c8 ff"),
        ]
        for (message, frame) in zip(messages, frames) {
            #expect(try EventStreamEncoder.encode(message) == frame)
        }
        var decoder = EventStreamDecoder()
        #expect(try decoder.feed(frames.flatMap { $0 }) == messages)
    }
}
