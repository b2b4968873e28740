import TapedeckCodec
import TapedeckBedrock
/// What the store commands list of a cassette: the first words a user said.
extension Cassette {
    /// The first `count` words of the first user text, joined by single spaces, with `…` when there were more;
    /// `-` when no user message has text.
    package func firstUserWords(_ count: Int = 6) -> String {
        for message in conversationRequest["messages"]?.arrayValue ?? [] where message["role"]?.stringValue == "user" {
            for block in message["content"]?.arrayValue ?? [] {
                guard let text = block["text"]?.stringValue else { continue }
                let words = text.split(whereSeparator: \.isWhitespace)
                guard !words.isEmpty else { continue }
                return words.prefix(count).joined(separator: " ") + (words.count > count ? " …" : "")
            }
        }
        return "-"
    }
}
