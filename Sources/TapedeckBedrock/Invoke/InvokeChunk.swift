import TapedeckCodec
/// InvokeModelWithResponseStream's `chunk` events as a cassette keeps them. On the wire each payload is
/// `{"bytes": "<base64 of one model event>"}` (plus padding `p`); a cassette keeps the model event decoded as
/// `"event"` when it is JSON, so it reads like the model's own stream, and its other members as they came. Replay
/// encodes the event back compactly: the same JSON, not necessarily the same spacing or member order.
public enum InvokeChunk {
    /// The `:event-type` of every InvokeModelWithResponseStream event.
    public static let eventType = "chunk"

    /// The event a chunk payload (the message's JSON payload) is recorded as; nil when the payload is not an object
    /// holding base64 `bytes`.
    public static func recorded(payload: JSONValue, offsetMs: Int) -> StreamEvent? {
        guard var members = payload.objectValue, let index = members.firstIndex(where: { $0.key == "bytes" }),
              let text = members[index].value.stringValue, let bytes = Base64.decode(text) else { return nil }
        // Replay writes the event back compactly: the same JSON a client parses, if not the same spacing.
        if let event = try? JSONParser.parse(bytes) {
            members[index] = JSONMember("event", event)
        }
        return StreamEvent(type: eventType, payload: .object(members), offsetMs: offsetMs)
    }

    /// A chunk event carrying `event`, as one synthesized from an InvokeModel answer is recorded.
    public static func event(_ event: JSONValue, offsetMs: Int = 0) -> StreamEvent {
        StreamEvent(type: eventType, payload: .object([JSONMember("event", event)]), offsetMs: offsetMs)
    }

    /// The payload to send for a recorded chunk: `event` encoded back into base64 `bytes`, other members as kept.
    public static func wirePayload(_ payload: JSONValue) -> JSONValue {
        guard let members = payload.objectValue else { return payload }
        return .object(members.map { member in
            member.key == "event" ? JSONMember("bytes", .string(Base64.encode(JSONWriter.compact(member.value)))) : member
        })
    }

    /// The model events a recorded stream carries, decoded; nil when a chunk's event is not JSON.
    public static func modelEvents(_ events: [StreamEvent]) -> [JSONValue]? {
        var decoded: [JSONValue] = []
        decoded.reserveCapacity(events.count)
        for event in events where event.type == eventType {
            if let model = event.payload["event"] {
                decoded.append(model)
            } else if let text = event.payload["bytes"]?.stringValue, let bytes = Base64.decode(text),
                      let model = try? JSONParser.parse(bytes) {
                decoded.append(model)
            } else {
                return nil
            }
        }
        return decoded
    }
}
