import TapedeckCodec
import TapedeckBedrock
/// The cassette file format: one JSON object whose member names are stable across versions.
extension Cassette {
    /// The cassette as a JSON document (the writer sorts the keys).
    public var jsonValue: JSONValue {
        var members: [JSONMember] = [
            JSONMember("format", .number(String(Self.formatVersion))),
            JSONMember("key", .string(key.hex)),
            JSONMember("operation", .string(operation.rawValue)),
            JSONMember("modelId", .string(modelId)),
            JSONMember("recordedAt", .string(recordedAt)),
            JSONMember("upstreamLatencyMs", .number(String(upstreamLatencyMs))),
            JSONMember("request", request),
            JSONMember("response", .object([
                JSONMember("status", .number(String(response.status))),
                JSONMember("contentType", .string(response.contentType)),
                Self.contentMember(response.content),
            ])),
        ]
        if repeatIndex > 0 { members.append(JSONMember("repeat", .number(String(repeatIndex)))) }
        return .object(members)
    }

    /// The bytes of a cassette file: pretty, sorted keys, trailing newline, so re-recordings diff well.
    public func encoded() -> [UInt8] { JSONWriter.pretty(jsonValue) }

    /// Reads a cassette from a parsed document, checking every field's type.
    public init(json: JSONValue) throws(CassetteError) {
        guard json.objectValue != nil else { throw .malformed("a cassette must be a JSON object") }
        let format = try Self.integer(json, "format")
        guard format <= Self.formatVersion else { throw .newerFormat(path: "", format: format) }
        guard format >= 1 else { throw .malformed("unknown format \(format)") }
        let hex = try Self.string(json, "key")
        guard let key = CacheKey(hex: hex) else { throw .malformed("\"key\" is not 64 lowercase hex digits") }
        let operationName = try Self.string(json, "operation")
        guard let operation = ConverseOperation(rawValue: operationName) else {
            throw .malformed("unknown operation \"\(operationName)\"")
        }
        guard let request = json["request"], request.objectValue != nil else { throw .malformed("\"request\" must be an object") }
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
        case .events(let events):
            return JSONMember("events", .array(events.map { event in
                .object([
                    JSONMember("type", .string(event.type)),
                    JSONMember("offsetMs", .number(String(event.offsetMs))),
                    JSONMember("payload", event.payload),
                ])
            }))
        }
    }

    private static func content(of response: JSONValue) throws(CassetteError) -> RecordedContent {
        switch (response["body"], response["events"]) {
        case (let body?, nil):
            return .body(body)
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
        case (nil, nil):
            throw .malformed("\"response\" holds neither \"body\" nor \"events\"")
        case (.some, .some):
            throw .malformed("\"response\" holds both \"body\" and \"events\"")
        }
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
