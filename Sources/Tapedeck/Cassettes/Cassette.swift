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

/// The recorded answer: status, content type and the body as JSON.
public struct RecordedResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: JSONValue

    /// Creates a recorded response.
    public init(status: Int, contentType: String, body: JSONValue) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}
