import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore

/// A hit's answer rendered from a cassette, ready to send, and what the log and stats need to know of it.
public struct RenderedAnswer: Sendable {
    /// The answer in the shape the request's operation expects.
    public enum Shape: Sendable {
        /// A whole response, and how it relates to what was recorded.
        case converse(HTTPResponse, Replay.ServedAs)
        /// An event stream to send frame by frame.
        case stream(Replay.Stream)
    }

    /// What to send.
    public let shape: Shape
    /// The key of the cassette it was rendered from.
    public let cassetteKey: CacheKey
    /// When that cassette was recorded (for `--max-age`).
    public let recordedAt: String
    /// The tokens it saves, for the stats.
    public let saved: TokenUsage?
    /// The namespace the cassette was found in ("" is the shared one).
    public var namespace = ""

    /// Bytes this answer keeps in memory, roughly.
    var size: Int {
        switch shape {
        case .converse(let response, _): return response.body.count + 256
        case .stream(let stream): return stream.frames.reduce(256) { $0 + $1.bytes.count }
        }
    }
}
