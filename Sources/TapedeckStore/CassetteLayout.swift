import TapedeckCodec
import TapedeckBedrock

/// How a store writes a cassette document: the JSON-file store's pretty files or the SQLite store's compact rows,
/// keys sorted in both. A recording too large to hold is written in pieces (`EventSpool`): its events one by one as
/// they arrive, then the rest of the document around them; the pieces are exactly the bytes `document` makes of
/// the whole cassette, so a spooled recording reads back as one held whole would.
public enum CassetteLayout: Sendable, Equatable {
    /// Two-space indent, keys sorted, trailing newline (`JSONWriter.pretty`): the cassette files under git.
    case pretty
    /// No whitespace, keys sorted (`JSONWriter.compact` of `sortedKeys`): the SQLite store's `document` column.
    case compactSorted

    /// How deep `response.events`' elements sit in a pretty document: inside the top object, `response`, `events`.
    static let prettyEventIndent = 6

    /// The bytes of `value` as a document in this layout.
    public func document(_ value: JSONValue) -> [UInt8] {
        switch self {
        case .pretty: JSONWriter.pretty(value)
        case .compactSorted: JSONWriter.compact(value.sortedKeys)
        }
    }

    /// The bytes of `event` as one element of `response.events` in a document of this layout.
    public func element(_ event: StreamEvent) -> [UInt8] {
        var out: [UInt8] = []
        appendElement(event, to: &out)
        return out
    }

    /// Appends `event` as one element of `response.events` to `out`.
    func appendElement(_ event: StreamEvent, to out: inout [UInt8]) {
        switch self {
        case .pretty: JSONWriter.pretty(Cassette.eventValue(event), indent: Self.prettyEventIndent, into: &out)
        case .compactSorted: JSONWriter.compact(Cassette.eventValue(event).sortedKeys, into: &out)
        }
    }

    /// What goes between two elements of `response.events`.
    public var separator: [UInt8] {
        switch self {
        case .pretty: Array(",\n".utf8) + Array(repeating: UInt8(ascii: " "), count: Self.prettyEventIndent)
        case .compactSorted: [UInt8(ascii: ",")]
        }
    }

    /// The bytes of `cassette`'s document before its first event and after its last: the document is `prefix`,
    /// then the events' elements joined by `separator`, then `suffix`. `cassette`'s own events are ignored.
    public func frame(_ cassette: Cassette) -> (prefix: [UInt8], suffix: [UInt8]) {
        // One event nothing else in the document can spell stands in for the list; the bytes around it are the frame.
        let marker = StreamEvent(type: "\u{1}tapedeck-spool-\(UInt64.random(in: 0...UInt64.max))", payload: .null)
        var framed = cassette
        framed.response.content = .events([marker])
        let whole = document(framed.jsonValue)
        let placeholder = element(marker)
        guard let start = Self.firstIndex(of: placeholder, in: whole) else {
            preconditionFailure("a cassette document holds each of its events' elements")
        }
        return (Array(whole[..<start]), Array(whole[(start + placeholder.count)...]))
    }

    /// Where `needle` first starts in `haystack`.
    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
