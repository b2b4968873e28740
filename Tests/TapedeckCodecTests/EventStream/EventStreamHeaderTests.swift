import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct EventStreamHeaderTests {
    /// Encodes one message and decodes it back whole.
    private func roundTrip(_ message: EventStreamMessage) throws -> [EventStreamMessage] {
        var decoder = EventStreamDecoder()
        let messages = try decoder.feed(try EventStreamEncoder.encode(message))
        #expect(decoder.bufferedByteCount == 0)
        return messages
    }

    @Test func everyHeaderTypeRoundTripsInOneMessage() throws {
        let message = EventStreamMessage(headers: EventStreamFixtures.everyHeaderType, payload: Array("{}".utf8))
        #expect(try roundTrip(message) == [message])
    }

    @Test(arguments: [
        EventStreamHeaderValue.bool(true), .bool(false),
        .byte(.min), .byte(-1), .byte(0), .byte(.max),
        .short(.min), .short(-1), .short(0), .short(.max),
        .integer(.min), .integer(-1), .integer(0), .integer(.max),
        .long(.min), .long(-1), .long(0), .long(.max),
        .bytes([]), .bytes([0]), .bytes(Array(0...255)),
        .string(""), .string("a"), .string("Café ☕ 😀 \u{0}"),
        .timestamp(.min), .timestamp(-1), .timestamp(0), .timestamp(1_732_550_400_000), .timestamp(.max),
        .uuid(Array(repeating: 0, count: 16)), .uuid(Array(repeating: 0xFF, count: 16)),
    ])
    func eachValueRoundTrips(value: EventStreamHeaderValue) throws {
        let message = EventStreamMessage(headers: [EventStreamHeader("h", value)], payload: [])
        #expect(try roundTrip(message) == [message])
    }

    @Test func longestNamesAndValuesRoundTrip() throws {
        let name = String(repeating: "ň", count: 127) + "n"  // 255 bytes of UTF-8
        let text = String(repeating: "😀", count: 16_383) + "abc"  // 65,535 bytes of UTF-8
        let message = EventStreamMessage(headers: [EventStreamHeader(name, .string(text))], payload: [])
        #expect(name.utf8.count == 255 && text.utf8.count == 65_535)
        #expect(try roundTrip(message) == [message])
        let bytes = EventStreamMessage(headers: [EventStreamHeader("b", .bytes([UInt8](repeating: 0xAB, count: 65_535)))], payload: [])
        #expect(try roundTrip(bytes) == [bytes])
    }

    @Test func duplicateNamesAndOrderSurvive() throws {
        let message = EventStreamMessage(
            headers: [
                EventStreamHeader("z", .integer(1)), EventStreamHeader("a", .integer(2)), EventStreamHeader("z", .string("3")),
            ],
            payload: [0xFF]
        )
        #expect(try roundTrip(message) == [message])
    }

    @Test func emptyAndLargePayloadsRoundTrip() throws {
        let empty = EventStreamMessage(headers: [], payload: [])
        #expect(try roundTrip(empty) == [empty])
        var generator = ConverseFixtures.SeededGenerator(state: 1_048_576)
        let megabyte = (0..<1_048_576).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let large = EventStreamMessage.event(type: "contentBlockDelta", payload: megabyte)
        #expect(try roundTrip(large) == [large])
    }

    @Test func encodedLengthCountsNameLengthNameTypeAndValue() {
        #expect(EventStreamHeader("ab", .bool(true)).encodedLength == 4)
        #expect(EventStreamHeader("ab", .long(0)).encodedLength == 12)
        #expect(EventStreamHeader("ab", .string("é")).encodedLength == 8)
        #expect(EventStreamHeader("ab", .uuid(Array(repeating: 0, count: 16))).encodedLength == 20)
    }

    @Test func errorMessagesQuoteLongNamesShortened() {
        #expect(EventStreamHeader.quoted(":event-type") == "\":event-type\"")
        #expect(EventStreamHeader.quoted(String(repeating: "x", count: 41)) == "\"" + String(repeating: "x", count: 40) + "…\"")
    }
}
