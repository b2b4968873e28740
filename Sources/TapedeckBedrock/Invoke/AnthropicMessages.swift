import TapedeckCodec
/// The Anthropic Messages format as Claude models speak it through InvokeModel on Bedrock (PROTOCOL.md "Model
/// formats"): the request `{"anthropic_version": "bedrock-2023-05-31", "max_tokens", "messages", …}`, the answer
/// `{"id", "type": "message", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}`, and the model
/// events an InvokeModelWithResponseStream carries base64-encoded in its `chunk` frames, already decoded here.
///
/// Streams fold into answers and answers synthesize streams (`AnthropicMessages+Stream.swift`); requests and
/// answers read as Converse bodies for showing and diffing (`AnthropicMessages+Converse.swift`).
public enum AnthropicMessages {
    /// Whether `body` is an Anthropic Messages request: a JSON object with a string `anthropic_version`.
    public static func isRequest(_ body: JSONValue) -> Bool {
        body["anthropic_version"]?.stringValue != nil
    }

    /// The answer's `usage.input_tokens` and `usage.output_tokens`, or nil when either is missing or not an integer.
    /// Prompt-cache reads and writes (`cache_read_input_tokens`, `cache_creation_input_tokens`) are not included.
    public static func usage(of answer: JSONValue) -> (input: Int, output: Int)? {
        guard let usage = answer["usage"], let input = integer(usage["input_tokens"]),
              let output = integer(usage["output_tokens"]) else { return nil }
        return (input, output)
    }

    /// The token counts of a stream: `message_stop`'s `amazon-bedrock-invocationMetrics` (`inputTokenCount`,
    /// `outputTokenCount`) when Bedrock added them, else `message_start`'s usage with every `message_delta`'s usage
    /// members taking precedence, as `fold` merges them. Nil when neither gives both counts.
    public static func usage(ofEvents events: [JSONValue]) -> (input: Int, output: Int)? {
        for event in events where event["type"]?.stringValue == "message_stop" {
            if let metrics = event[invocationMetrics], let input = integer(metrics["inputTokenCount"]),
               let output = integer(metrics["outputTokenCount"]) {
                return (input, output)
            }
        }
        var usage: [JSONMember] = []
        for event in events {
            switch event["type"]?.stringValue {
            case "message_start": usage = event["message"]?["usage"]?.objectValue ?? []
            case "message_delta":
                for member in event["usage"]?.objectValue ?? [] { set(member.key, member.value, in: &usage) }
            default: continue
            }
        }
        return self.usage(of: .object([JSONMember("usage", .object(usage))]))
    }

    /// The member of `message_stop` where Bedrock reports the invocation's token counts and latencies.
    public static let invocationMetrics = "amazon-bedrock-invocationMetrics"

    /// A JSON number that is written as a whole number fitting `Int` (`21`, not `21.0` or `2.1e1`).
    static func integer(_ value: JSONValue?) -> Int? {
        value?.numberLiteral.flatMap { Int($0) }
    }

    /// Replaces the value of the member named `key` where it stands, or appends the member when there is none.
    static func set(_ key: String, _ value: JSONValue, in members: inout [JSONMember]) {
        if let index = members.firstIndex(where: { ExactKey.equal($0.key, key) }) {
            members[index].value = value
        } else {
            members.append(JSONMember(key, value))
        }
    }

    /// `members` with the value of each member named in `replacements` replaced where it stands; names `members`
    /// does not have are not added.
    static func replacing(_ replacements: [String: JSONValue], in members: [JSONMember]) -> [JSONMember] {
        members.map { member in replacements[member.key].map { JSONMember(member.key, $0) } ?? member }
    }
}
