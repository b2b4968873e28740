import TapedeckCodec
import TapedeckBedrock
/// What the store commands show of a cassette: the first words a user said, and the answer as a Converse body.
extension Cassette {
    /// The first `count` words of the first user text, joined by single spaces, with `…` when there were more;
    /// `-` when no user message has text.
    package func firstUserWords(_ count: Int = 6) -> String {
        for message in request["messages"]?.arrayValue ?? [] where message["role"]?.stringValue == "user" {
            for block in message["content"]?.arrayValue ?? [] {
                guard let text = block["text"]?.stringValue else { continue }
                let words = text.split(whereSeparator: \.isWhitespace)
                guard !words.isEmpty else { continue }
                return words.prefix(count).joined(separator: " ") + (words.count > count ? " …" : "")
            }
        }
        return "-"
    }

    /// The answer as `converse` returns it: the recorded body, or the stream's events folded into one.
    package func answerBody() throws(StreamFoldError) -> JSONValue {
        switch response.content {
        case .body(let body): return body
        case .events(let events): return try StreamFolder.fold(events)
        }
    }
}
