import TapedeckCodec
import TapedeckBedrock
/// One recorded interaction: the request that was asked and the answer upstream gave.
public struct Cassette: Sendable, Equatable {
    /// The newest cassette format this build reads and writes; files with a higher number are refused, not misread.
    /// Format 1 holds Converse cassettes; format 2 adds what the other operations need (`requestHeaders`,
    /// `requestBytes`, response `headers` and `bodyBytes`). A cassette is written in the lowest format that holds it,
    /// so Converse cassettes stay readable by builds that know only format 1.
    public static let formatVersion = 2

    public var key: CacheKey
    /// The operation that recorded it; the operations of its family that cross-serve can be answered from it.
    public var operation: BedrockOperation
    /// The decoded model id the request named (for ApplyGuardrail `{identifier}@{version}`).
    public var modelId: String
    /// The request body as JSON, without `requestMetadata`; `{}` when the body was not JSON (see `requestBytes`).
    public var request: JSONValue
    /// The request headers that are part of the key (InvokeModel's content and accept types, trace, guardrail,
    /// latency and service tier), lower-case names in key order.
    public var requestHeaders: [HeaderPair] = []
    /// The exact request body, when it was not JSON.
    public var requestBytes: [UInt8]?
    public var response: RecordedResponse
    /// How long upstream took to answer, in milliseconds.
    public var upstreamLatencyMs: Int
    /// When it was recorded, as an RFC 3339 UTC timestamp.
    public var recordedAt: String
    /// Which answer to identical requests this is under `--repeats sequence` (0 for the first or only one);
    /// the key is then `CacheKey.repeated(repeatIndex)` of the request's key.
    public var repeatIndex = 0

    /// What the key was made of, so the key can be derived again from the cassette alone.
    public var keyedRequest: KeyedRequest {
        KeyedRequest(
            operation: operation, modelId: modelId, headers: requestHeaders,
            body: requestBytes.map { .bytes($0) } ?? .json(request))
    }

    /// The lowest format that holds this cassette.
    public var format: Int {
        operation.family == .converse && requestHeaders.isEmpty && requestBytes == nil && response.headers.isEmpty
            && response.bytes == nil ? 1 : 2
    }

    /// Creates a cassette.
    public init(
        key: CacheKey, operation: BedrockOperation, modelId: String, request: JSONValue,
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
    /// Upstream's `x-amzn-bedrock-*` response headers (token counts, latency, echoes), lower-case names in order.
    public var headers: [HeaderPair] = []

    /// Creates a recorded response holding `content`.
    public init(status: Int, contentType: String, content: RecordedContent, headers: [HeaderPair] = []) {
        self.status = status
        self.contentType = contentType
        self.content = content
        self.headers = headers
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

    /// The whole body as JSON: recorded as JSON, or bytes that parse as JSON; nil for a stream or other bytes.
    public var document: JSONValue? {
        switch content {
        case .body(let body): return body
        case .bytes(let bytes): return try? JSONParser.parse(bytes)
        case .events: return nil
        }
    }

    /// The exact body, when it was kept as bytes.
    public var bytes: [UInt8]? {
        if case .bytes(let bytes) = content { return bytes }
        return nil
    }

    /// The value of response header `name` (lower-case), if recorded.
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }
}

/// What upstream answered: one JSON document, the exact bytes of a body that JSON would not reproduce (kept as
/// `bodyText` when they are UTF-8, else as base64 `bodyBytes`), or the events of a stream in order.
public enum RecordedContent: Sendable, Equatable {
    case body(JSONValue)
    case bytes([UInt8])
    case events([StreamEvent])

    /// A whole body as recorded: JSON when writing it compactly with sorted keys (as it reads back from a cassette
    /// file) gives back exactly `bytes`, so a hit sends the bytes upstream sent; else the bytes themselves.
    public static func document(_ bytes: [UInt8]) -> RecordedContent {
        guard let json = try? JSONParser.parse(bytes), JSONWriter.compact(json.sortedKeys) == bytes else { return .bytes(bytes) }
        return .body(json)
    }
}
