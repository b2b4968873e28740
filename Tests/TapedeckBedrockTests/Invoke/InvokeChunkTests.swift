import Testing
@testable import TapedeckCodec
@testable import TapedeckBedrock
import TapedeckTestSupport

/// InvokeModelWithResponseStream chunks as a cassette keeps them: the model event decoded, the rest as it came.
@Suite struct InvokeChunkTests {
    private static let messageStop = #"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":8,"#
        + #""outputTokenCount":4,"invocationLatency":512,"firstByteLatency":200}}"#

    /// A wire payload `{"bytes": base64(text), "p": padding}`, as Bedrock sends it.
    private static func wire(_ text: String, padding: String = "abcdefgh") -> JSONValue {
        .object([JSONMember("bytes", .string(Base64.encode(Array(text.utf8)))), JSONMember("p", .string(padding))])
    }

    @Test func jsonBytesAreKeptDecodedAsTheEventWithThePaddingBeside() throws {
        let recorded = try #require(InvokeChunk.recorded(payload: Self.wire(Self.messageStop), offsetMs: 42))
        #expect(recorded.type == "chunk")
        #expect(recorded.offsetMs == 42)
        #expect(recorded.payload.objectValue?.map(\.key) == ["event", "p"], "the event stands where bytes stood")
        #expect(recorded.payload["event"] == (try ConverseFixtures.parse(Self.messageStop)))
        #expect(recorded.payload["p"]?.stringValue == "abcdefgh")
        #expect(recorded.payload["bytes"] == nil)
    }

    @Test func bytesThatAreNotJSONAreKeptAsBytes() throws {
        for text in ["plain text, not JSON", "{\"type\": \"message_st", ""] {
            let payload = Self.wire(text)
            let recorded = try #require(InvokeChunk.recorded(payload: payload, offsetMs: 3), "\(text)")
            #expect(recorded.payload == payload, "\(text)")
            #expect(recorded.payload["event"] == nil)
        }
        // Bytes that are not UTF-8 either.
        let binary = JSONValue.object([JSONMember("bytes", .string(Base64.encode([0xff, 0x00, 0xfe])))])
        #expect(InvokeChunk.recorded(payload: binary, offsetMs: 0)?.payload == binary)
    }

    @Test func payloadsWithoutBase64BytesAreRefused() throws {
        let refused: [String] = [
            #"{"p": "abcdefgh"}"#,
            #"{"bytes": 12}"#,
            #"{"bytes": null}"#,
            #"{"bytes": "not base64!"}"#,
            #"{"bytes": "eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0"}"#,  // unpadded
            #"{"event": {"type": "message_stop"}}"#,
            #"["bytes"]"#,
            #""eyJ9""#,
        ]
        for text in refused {
            #expect(InvokeChunk.recorded(payload: try ConverseFixtures.parse(text), offsetMs: 0) == nil, "\(text)")
        }
    }

    @Test func theWirePayloadEncodesTheEventBackCompactlyAndKeepsTheRest() throws {
        let spaced = #"{ "type" : "content_block_delta", "index" : 0, "delta" : { "type" : "text_delta", "text" : "Caf\u00e9 ☕" } }"#
        let recorded = try #require(InvokeChunk.recorded(payload: Self.wire(spaced, padding: "xyz"), offsetMs: 0))
        let wire = InvokeChunk.wirePayload(recorded.payload)
        #expect(wire.objectValue?.map(\.key) == ["bytes", "p"])
        #expect(wire["p"]?.stringValue == "xyz")
        let bytes = try #require(wire["bytes"]?.stringValue.flatMap { Base64.decode($0) })
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Café ☕"}}"#)
    }

    @Test func recordingTheWirePayloadAgainGivesTheSameChunk() throws {
        for text in InvokeFixtures.messagesEvents + ["not JSON at all"] {
            let first = try #require(InvokeChunk.recorded(payload: Self.wire(text), offsetMs: 7))
            let again = try #require(InvokeChunk.recorded(payload: InvokeChunk.wirePayload(first.payload), offsetMs: 7))
            #expect(again == first, "\(text)")
        }
        // An event synthesized from an answer goes out as bytes alone.
        let synthesized = InvokeChunk.event(try ConverseFixtures.parse(#"{"type":"message_stop"}"#), offsetMs: 5)
        #expect(synthesized.type == "chunk" && synthesized.offsetMs == 5)
        #expect(InvokeChunk.wirePayload(synthesized.payload)
            == .object([JSONMember("bytes", .string(Base64.encode(Array(#"{"type":"message_stop"}"#.utf8))))]))
    }

    @Test func aPayloadThatIsNotAnObjectGoesOutUnchanged() {
        #expect(InvokeChunk.wirePayload(.string("x")) == .string("x"))
        #expect(InvokeChunk.wirePayload(.array([.null])) == .array([.null]))
    }

    @Test func modelEventsReadBothFormsInOrder() throws {
        let decoded = try #require(InvokeChunk.recorded(payload: Self.wire(InvokeFixtures.messagesEvents[0]), offsetMs: 1))
        // A chunk as an older recording (or a hand-edited cassette) might keep it: JSON still in base64 bytes.
        let raw = StreamEvent(type: "chunk", payload: Self.wire(InvokeFixtures.messagesEvents[1]), offsetMs: 2)
        let synthesized = InvokeChunk.event(try ConverseFixtures.parse(Self.messageStop))
        let events = try #require(InvokeChunk.modelEvents([decoded, raw, synthesized]))
        #expect(events == [
            try ConverseFixtures.parse(InvokeFixtures.messagesEvents[0]),
            try ConverseFixtures.parse(InvokeFixtures.messagesEvents[1]),
            try ConverseFixtures.parse(Self.messageStop),
        ])
        #expect(InvokeChunk.modelEvents([]) == [])
    }

    @Test func modelEventsAreNilWhenAChunkIsNotJSON() throws {
        let good = InvokeChunk.event(try ConverseFixtures.parse(Self.messageStop))
        let garbage = try #require(InvokeChunk.recorded(payload: Self.wire("garbage"), offsetMs: 0))
        #expect(InvokeChunk.modelEvents([good, garbage]) == nil)
        let notBase64 = StreamEvent(type: "chunk", payload: .object([JSONMember("bytes", .string("%%%"))]))
        #expect(InvokeChunk.modelEvents([notBase64, good]) == nil)
        let empty = StreamEvent(type: "chunk", payload: .object([JSONMember("p", .string("abc"))]))
        #expect(InvokeChunk.modelEvents([good, empty]) == nil)
    }
}
