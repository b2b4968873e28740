import Testing
import TapedeckCodec
import TapedeckBedrock
@testable import TapedeckStore
import TapedeckTestSupport

/// A cassette document in pieces (frame, elements, separators) is byte for byte the document made whole.
@Suite struct CassetteLayoutTests {
    /// Events whose payloads need every kind of escape and hold non-ASCII text, keys out of order.
    static let events: [StreamEvent] = [
        StreamEvent(type: "messageStart", payload: json(#"{"role":"assistant","p":"abcd"}"#), offsetMs: 3),
        StreamEvent(type: "contentBlockDelta", payload: json(#"{"p":"x","delta":{"text":"Café ☕ 😀 \"quoted\" a/b\\c\ttab\n\u0001\u001f"},"contentBlockIndex":0}"#), offsetMs: 17),
        StreamEvent(type: "contentBlockDelta", payload: json(#"{"contentBlockIndex":0,"delta":{"text":"\u2028 \r\f\b 1.5e10"},"n":[1.50,-0,{}],"e":[]}"#), offsetMs: 18),
        StreamEvent(type: "metadata", payload: json(#"{"usage":{"outputTokens":4,"inputTokens":9},"metrics":{"latencyMs":321}}"#), offsetMs: 40),
    ]

    static func json(_ text: String) -> JSONValue {
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            preconditionFailure("fixture is not JSON: \(error)")
        }
    }

    /// The fixture cassette with `events` as its stream, response headers and request headers included.
    static func streamCassette(_ events: [StreamEvent] = events) -> Cassette {
        var cassette = CassetteFixtures.cassette()
        cassette.response = RecordedResponse(
            status: 200, contentType: "application/vnd.amazon.eventstream", content: .events(events),
            headers: [HeaderPair("x-amzn-bedrock-input-token-count", "9")])
        cassette.repeatIndex = 2
        return cassette
    }

    @Test(arguments: [CassetteLayout.pretty, .compactSorted])
    func framedElementsAreTheWholeDocument(layout: CassetteLayout) {
        for count in 1...Self.events.count {
            let events = Array(Self.events.prefix(count))
            let cassette = Self.streamCassette(events)
            let (prefix, suffix) = layout.frame(cassette)
            var pieces = prefix
            for (index, event) in events.enumerated() {
                if index > 0 { pieces += layout.separator }
                pieces += layout.element(event)
            }
            pieces += suffix
            #expect(pieces == layout.document(cassette.jsonValue), "\(count) events")
        }
    }

    @Test func eachStoreEncodesInItsLayout() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = Self.streamCassette()
        let json = JSONFileStore(directory: scratch("cassettes"))
        let sqlite = try SQLiteStore(path: scratch("tapes.db"))
        #expect(json.layout == .pretty)
        #expect(json.encode(cassette) == CassetteLayout.pretty.document(cassette.jsonValue))
        #expect(json.encode(cassette) == cassette.encoded())
        #expect(sqlite.layout == .compactSorted)
        #expect(sqlite.encode(cassette) == JSONWriter.compact(cassette.jsonValue.sortedKeys))
    }

    @Test func theFrameIgnoresTheCassettesOwnEvents() {
        let layout = CassetteLayout.compactSorted
        #expect(layout.frame(Self.streamCassette()) == layout.frame(Self.streamCassette([])))
    }
}

extension CassetteLayout: CustomTestStringConvertible {
    public var testDescription: String { self == .pretty ? "pretty" : "compactSorted" }
}
