import TapedeckCodec
/// One event of a ConverseStream answer as a cassette keeps it: its type, its JSON payload and when it came.
public struct StreamEvent: Sendable, Equatable {
    /// The `:event-type` header, e.g. `contentBlockDelta`.
    public var type: String
    /// The payload as JSON, padding field `p` included as recorded.
    public var payload: JSONValue
    /// Milliseconds from the start of the upstream call to this event's arrival.
    public var offsetMs: Int

    /// Creates an event.
    public init(type: String, payload: JSONValue, offsetMs: Int = 0) {
        self.type = type
        self.payload = payload
        self.offsetMs = offsetMs
    }
}
