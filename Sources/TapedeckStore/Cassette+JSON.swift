import TapedeckCodec
import TapedeckBedrock
/// The cassette file format: one JSON object whose member names are stable across versions.
extension Cassette {
    /// The cassette as a JSON document (the writer sorts the keys).
    public var jsonValue: JSONValue {
        var members: [JSONMember] = [
            JSONMember("format", .number(String(format))),
            JSONMember("key", .string(key.hex)),
            JSONMember("operation", .string(operation.rawValue)),
            JSONMember("modelId", .string(modelId)),
            JSONMember("recordedAt", .string(recordedAt)),
            JSONMember("upstreamLatencyMs", .number(String(upstreamLatencyMs))),
            requestBytes.map { JSONMember("requestBytes", .string(Base64.encode($0))) } ?? JSONMember("request", request),
            JSONMember("response", .object(responseMembers)),
        ]
        if !requestHeaders.isEmpty { members.append(JSONMember("requestHeaders", Self.headersValue(requestHeaders))) }
        if repeatIndex > 0 { members.append(JSONMember("repeat", .number(String(repeatIndex)))) }
        return .object(members)
    }

    private var responseMembers: [JSONMember] {
        var members = [
            JSONMember("status", .number(String(response.status))),
            JSONMember("contentType", .string(response.contentType)),
            Self.contentMember(response.content),
        ]
        if !response.headers.isEmpty { members.append(JSONMember("headers", Self.headersValue(response.headers))) }
        return members
    }

    private static func headersValue(_ headers: [HeaderPair]) -> JSONValue {
        .object(headers.map { JSONMember($0.name, .string($0.value)) })
    }

    /// The bytes of a cassette file: pretty, sorted keys, trailing newline, so re-recordings diff well.
    public func encoded() -> [UInt8] { CassetteLayout.pretty.document(jsonValue) }

    /// Reads a cassette from a parsed document, checking every field's type.
    public init(json: JSONValue) throws(CassetteError) {
        guard json.objectValue != nil else { throw .malformed("a cassette must be a JSON object") }
        let format = try Self.integer(json, "format")
        guard format <= Self.formatVersion else { throw .newerFormat(path: "", format: format) }
        guard format >= 1 else { throw .malformed("unknown format \(format)") }
        let hex = try Self.string(json, "key")
        guard let key = CacheKey(hex: hex) else { throw .malformed("\"key\" is not 64 lowercase hex digits") }
        let operationName = try Self.string(json, "operation")
        guard let operation = BedrockOperation(rawValue: operationName) else {
            throw .malformed("unknown operation \"\(operationName)\"")
        }
        var request: JSONValue = .object([])
        var requestBytes: [UInt8]?
        switch (json["request"], json["requestBytes"]) {
        case (let body?, nil):
            guard body.objectValue != nil else { throw .malformed("\"request\" must be an object") }
            request = body
        case (nil, .some):
            requestBytes = try Self.base64(json, "requestBytes")
        default:
            throw .malformed("a cassette holds exactly one of \"request\" and \"requestBytes\"")
        }
        guard let response = json["response"], response.objectValue != nil else { throw .malformed("\"response\" must be an object") }
        let content = try Self.content(of: response)
        self.init(
            key: key,
            operation: operation,
            modelId: try Self.string(json, "modelId"),
            request: request,
            response: RecordedResponse(
                status: try Self.integer(response, "status"),
                contentType: try Self.string(response, "contentType"),
                content: content
            ),
            upstreamLatencyMs: try Self.integer(json, "upstreamLatencyMs"),
            recordedAt: try Self.string(json, "recordedAt")
        )
        self.requestBytes = requestBytes
        requestHeaders = try Self.headers(json, "requestHeaders", order: KeyedRequest.keyedHeaders(operation).map(\.key))
        self.response.headers = try Self.headers(response, "headers", order: nil)
        if json["repeat"] != nil {
            let index = try Self.integer(json, "repeat")
            guard index > 0 else { throw .malformed("\"repeat\" must be a positive integer") }
            repeatIndex = index
        }
    }

    /// `body` for a Converse answer; `events` (type, offsetMs, payload each) for a stream.
    private static func contentMember(_ content: RecordedContent) -> JSONMember {
        switch content {
        case .body(let body):
            return JSONMember("body", body)
        case .bytes(let bytes):
            if let text = String(validating: bytes, as: UTF8.self) { return JSONMember("bodyText", .string(text)) }
            return JSONMember("bodyBytes", .string(Base64.encode(bytes)))
        case .events(let events):
            return JSONMember("events", .array(events.map(eventValue)))
        }
    }

    /// One element of `response.events`: the event's type, offset and payload.
    static func eventValue(_ event: StreamEvent) -> JSONValue {
        .object([
            JSONMember("type", .string(event.type)),
            JSONMember("offsetMs", .number(String(event.offsetMs))),
            JSONMember("payload", event.payload),
        ])
    }

    private static func content(of response: JSONValue) throws(CassetteError) -> RecordedContent {
        let held = ["body", "bodyText", "bodyBytes", "events"].filter { response[$0] != nil }
        guard held.count == 1 else {
            throw .malformed(held.isEmpty
                ? "\"response\" holds none of \"body\", \"bodyText\", \"bodyBytes\" and \"events\""
                : "\"response\" holds more than one of \"body\", \"bodyText\", \"bodyBytes\" and \"events\"")
        }
        switch (response["body"], response["events"]) {
        case (let body?, _):
            return .body(body)
        case (nil, nil):
            if response["bodyText"] != nil { return .bytes(Array(try string(response, "bodyText").utf8)) }
            return .bytes(try base64(response, "bodyBytes"))
        case (nil, let events?):
            guard let list = events.arrayValue else { throw .malformed("\"response.events\" must be an array") }
            var decoded: [StreamEvent] = []
            decoded.reserveCapacity(list.count)
            for (index, event) in list.enumerated() {
                guard event.objectValue != nil, let payload = event["payload"] else {
                    throw .malformed("\"response.events[\(index)]\" must be an object with a payload")
                }
                decoded.append(StreamEvent(
                    type: try string(event, "type"), payload: payload, offsetMs: try integer(event, "offsetMs")))
            }
            return .events(decoded)
        }
    }

    /// `name` as base64-encoded bytes.
    private static func base64(_ object: JSONValue, _ name: String) throws(CassetteError) -> [UInt8] {
        guard let bytes = Base64.decode(try string(object, name)) else { throw .malformed("\"\(name)\" is not base64") }
        return bytes
    }

    /// The headers object `name` (absent means none), values strings; in `order` of names when given, where every
    /// name must be one of them.
    private static func headers(_ object: JSONValue, _ name: String, order: [String]?) throws(CassetteError) -> [HeaderPair] {
        guard let value = object[name] else { return [] }
        guard let members = value.objectValue else { throw .malformed("\"\(name)\" must be an object") }
        var headers: [HeaderPair] = []
        for member in members {
            guard let text = member.value.stringValue else { throw .malformed("\"\(name).\(member.key)\" must be a string") }
            headers.append(HeaderPair(member.key, text))
        }
        guard let order else { return headers }
        for header in headers where !order.contains(header.name) {
            throw .malformed("\"\(name)\" holds \"\(header.name)\", which is not part of this operation's key")
        }
        return order.compactMap { name in headers.first { $0.name == name } }
    }

    private static func string(_ object: JSONValue, _ name: String) throws(CassetteError) -> String {
        guard let value = object[name]?.stringValue else { throw .malformed("\"\(name)\" must be a string") }
        return value
    }

    private static func integer(_ object: JSONValue, _ name: String) throws(CassetteError) -> Int {
        guard let literal = object[name]?.numberLiteral, let value = Int(literal) else {
            throw .malformed("\"\(name)\" must be an integer")
        }
        return value
    }
}
