/// One message of an `application/vnd.amazon.eventstream` body: ordered typed headers and an opaque payload.
public struct EventStreamMessage: Sendable, Equatable {
    /// Headers in wire order; duplicates are kept as they came.
    public var headers: [EventStreamHeader]
    /// The payload bytes (JSON for Bedrock events and exceptions).
    public var payload: [UInt8]

    /// Creates a message.
    public init(headers: [EventStreamHeader], payload: [UInt8]) {
        self.headers = headers
        self.payload = payload
    }

    /// Header `:event-type`: the member name of an event, e.g. `contentBlockDelta`.
    public static let eventTypeHeader = ":event-type"
    /// Header `:exception-type`: the lowerCamelCase member name of an in-stream exception.
    public static let exceptionTypeHeader = ":exception-type"
    /// Header `:content-type`: `application/json` on every Bedrock message.
    public static let contentTypeHeader = ":content-type"
    /// Header `:message-type`: `event`, `exception` or `error`.
    public static let messageTypeHeader = ":message-type"

    /// An event as Bedrock sends it: `:event-type`, `:content-type` = `application/json`, `:message-type` = `event`.
    public static func event(type: String, payload: [UInt8]) -> EventStreamMessage {
        EventStreamMessage(
            headers: [
                EventStreamHeader(eventTypeHeader, .string(type)),
                EventStreamHeader(contentTypeHeader, .string("application/json")),
                EventStreamHeader(messageTypeHeader, .string("event")),
            ],
            payload: payload
        )
    }

    /// An in-stream exception: `:exception-type` (lowerCamelCase, or boto3 sees an empty error code),
    /// `:content-type` = `application/json`, `:message-type` = `exception`.
    public static func exception(type: String, payload: [UInt8]) -> EventStreamMessage {
        EventStreamMessage(
            headers: [
                EventStreamHeader(exceptionTypeHeader, .string(type)),
                EventStreamHeader(contentTypeHeader, .string("application/json")),
                EventStreamHeader(messageTypeHeader, .string("exception")),
            ],
            payload: payload
        )
    }

    /// The value of the first header named exactly `name` (header names are case-sensitive), or nil.
    public func header(_ name: String) -> EventStreamHeaderValue? {
        let wanted = name.utf8
        for header in headers where header.name.utf8.elementsEqual(wanted) {
            return header.value
        }
        return nil
    }

    /// The value of the first header named `name` when it is a string, or nil.
    public func stringHeader(_ name: String) -> String? {
        guard case .string(let text) = header(name) else { return nil }
        return text
    }

    /// The `:message-type` header, e.g. `event` or `exception`.
    public var messageType: String? { stringHeader(Self.messageTypeHeader) }

    /// The `:event-type` header of an event, or nil.
    public var eventType: String? { stringHeader(Self.eventTypeHeader) }

    /// The `:exception-type` header of an exception, or nil.
    public var exceptionType: String? { stringHeader(Self.exceptionTypeHeader) }
}
