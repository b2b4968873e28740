import TapedeckCodec
import TapedeckBedrock
/// One recorded interaction: the request that was asked and the answer upstream gave.
public struct Cassette: Sendable, Equatable {
    /// The cassette format this build writes; files with a higher number are refused, not misread.
    public static let formatVersion = 1

    public var key: CacheKey
    /// The operation that recorded it; either operation can be answered from it.
    public var operation: ConverseOperation
    /// The decoded model id the request named.
    public var modelId: String
    /// The request body as JSON, without `requestMetadata`.
    public var request: JSONValue
    public var response: RecordedResponse
    /// How long upstream took to answer, in milliseconds.
    public var upstreamLatencyMs: Int
    /// When it was recorded, as an RFC 3339 UTC timestamp.
    public var recordedAt: String
    /// Which answer to identical requests this is under `--repeats sequence` (0 for the first or only one);
    /// the key is then `CacheKey.repeated(repeatIndex)` of the request's key.
    public var repeatIndex = 0

    /// Creates a cassette.
    public init(
        key: CacheKey, operation: ConverseOperation, modelId: String, request: JSONValue,
        response: RecordedResponse, upstreamLatencyMs: Int, recordedAt: String
    ) {
        self.key = key
        self.operation = operation
        self.modelId = modelId
        self.request = request
        self.response = response
        self.upstreamLatencyMs = upstreamLatencyMs
        self.recordedAt = recordedAt
    }
}

/// The recorded answer: status, content type, and either a Converse body or a stream's events.
public struct RecordedResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var content: RecordedContent

    /// Creates a recorded response holding `content`.
    public init(status: Int, contentType: String, content: RecordedContent) {
        self.status = status
        self.contentType = contentType
        self.content = content
    }

    /// Creates a recorded Converse response.
    public init(status: Int, contentType: String, body: JSONValue) {
        self.init(status: status, contentType: contentType, content: .body(body))
    }

    /// The Converse body, when a Converse response was recorded.
    public var body: JSONValue? {
        if case .body(let body) = content { return body }
        return nil
    }

    /// The stream's events, when a ConverseStream response was recorded.
    public var events: [StreamEvent]? {
        if case .events(let events) = content { return events }
        return nil
    }
}

/// What upstream answered: one JSON document, or the events of a stream in order.
public enum RecordedContent: Sendable, Equatable {
    case body(JSONValue)
    case events([StreamEvent])
}
