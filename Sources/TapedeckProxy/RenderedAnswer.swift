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
    /// A whole answer with a hit's `x-tapedeck*` headers, serialized once (`prepareHit`): what a cached hit sends,
    /// one copy instead of headers set and written per request.
    private(set) var hitResponse: HTTPResponse?

    /// Prebuilds `hitResponse`, for an answer kept to be sent many times.
    mutating func prepareHit() {
        guard case .converse(var response, let servedAs) = shape else { return }
        var disposition = Exchange.Disposition(.hit)
        disposition.servedKey = cassetteKey
        disposition.servedAs = response.status == 200 ? servedAs : nil
        Exchange.decorate(&response.headers, disposition, key: cassetteKey)
        response.prebuild()
        hitResponse = response
    }

    /// Bytes this answer keeps in memory, roughly.
    var size: Int {
        switch shape {
        case .converse(let response, _): return response.body.count + 256 + (hitResponse?.prebuiltSize ?? 0)
        case .stream(let stream): return stream.frames.reduce(256) { $0 + $1.bytes.count }
        }
    }
}
