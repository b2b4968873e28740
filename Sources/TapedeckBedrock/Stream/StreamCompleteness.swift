import TapedeckCodec
/// When the events of a stream that ended cleanly make a whole answer worth recording (PROTOCOL.md).
public enum StreamCompleteness {
    /// Why `events`, streamed for `request`, are not a complete answer; nil when they are.
    ///
    /// ConverseStream ends with `metadata` (usage and metrics); an Anthropic Messages stream with `message_stop`;
    /// another model's stream is whole when it ended cleanly with at least one chunk and no exception.
    public static func reason(_ events: [StreamEvent], for request: KeyedRequest) -> String? {
        reason(last: events.last, for: request)
    }

    /// `reason(_:for:)` told only the stream's last event (nil when there was none): all that decides it.
    public static func reason(last event: StreamEvent?, for request: KeyedRequest) -> String? {
        switch request.operation.family {
        case .converse:
            guard event?.type != "metadata" else { return nil }
            return "the stream ended without a metadata event (last: \(event?.type ?? "nothing"))"
        case .invoke:
            guard event != nil else { return "the stream ended without a chunk" }
            guard request.crossServes else { return nil }
            let last = event?.payload["event"]?["type"]?.stringValue
            guard last != "message_stop" else { return nil }
            return "the Anthropic Messages stream ended without message_stop (last: \(last ?? "an undecodable chunk"))"
        case .countTokens, .applyGuardrail:
            return nil
        }
    }
}
