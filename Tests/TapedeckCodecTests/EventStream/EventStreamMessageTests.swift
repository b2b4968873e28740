import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct EventStreamMessageTests {
    @Test func eventHeadersComeInBedrocksOrder() {
        let message = EventStreamMessage.event(type: "messageStart", payload: Array(#"{"role":"assistant"}"#.utf8))
        #expect(message.headers == [
            EventStreamHeader(":event-type", .string("messageStart")),
            EventStreamHeader(":content-type", .string("application/json")),
            EventStreamHeader(":message-type", .string("event")),
        ])
        #expect(message.payload == Array(#"{"role":"assistant"}"#.utf8))
        #expect(message.messageType == "event")
        #expect(message.eventType == "messageStart")
        #expect(message.exceptionType == nil)
    }

    @Test func exceptionHeadersComeInBedrocksOrder() {
        let message = EventStreamMessage.exception(type: "throttlingException", payload: Array(#"{"message":"x"}"#.utf8))
        #expect(message.headers == [
            EventStreamHeader(":exception-type", .string("throttlingException")),
            EventStreamHeader(":content-type", .string("application/json")),
            EventStreamHeader(":message-type", .string("exception")),
        ])
        #expect(message.messageType == "exception")
        #expect(message.exceptionType == "throttlingException")
        #expect(message.eventType == nil)
    }

    @Test func headerLookupFindsTheFirstExactMatch() {
        let message = EventStreamMessage(
            headers: [
                EventStreamHeader("count", .integer(1)),
                EventStreamHeader("name", .string("first")),
                EventStreamHeader("name", .string("second")),
            ],
            payload: []
        )
        #expect(message.header("count") == .integer(1))
        #expect(message.header("name") == .string("first"))
        #expect(message.stringHeader("name") == "first")
        #expect(message.header("Name") == nil, "header names are case-sensitive")
        #expect(message.header("missing") == nil)
        #expect(message.stringHeader("count") == nil, "an integer header is not a string")
    }

    @Test func headerLookupComparesNamesByteForByte() {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are equal Strings but different header names.
        let message = EventStreamMessage(headers: [EventStreamHeader("caf\u{E9}", .bool(true))], payload: [])
        #expect(message.header("caf\u{E9}") == .bool(true))
        #expect(message.header("cafe\u{301}") == nil)
    }

    @Test func messagesCompareHeadersInOrderAndPayload() {
        let one = EventStreamMessage(headers: [EventStreamHeader("a", .bool(true)), EventStreamHeader("b", .bool(false))], payload: [1])
        let swapped = EventStreamMessage(headers: [EventStreamHeader("b", .bool(false)), EventStreamHeader("a", .bool(true))], payload: [1])
        var otherPayload = one
        otherPayload.payload = [2]
        #expect(one == one)
        #expect(one != swapped)
        #expect(one != otherPayload)
        #expect(EventStreamHeaderValue.timestamp(5) != .long(5), "the type is part of the value")
    }
}
