import Testing
@testable import Tapedeck

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
}
