import TapedeckCodec
/// One `contentBlockDelta`'s `delta`, read from its union member (botocore's `ContentBlockDelta`).
enum StreamDelta: Sendable, Equatable {
    /// `{"text": …}`: a piece of a text block.
    case text(String)
    /// `{"toolUse": {"input": …}}`: a piece of a tool call's JSON input, not JSON on its own.
    case toolInput(String)
    /// `{"reasoningContent": {"text": …}}`: a piece of the model's reasoning.
    case reasoningText(String)
    /// `{"reasoningContent": {"signature": …}}`: the signature that seals a reasoning block.
    case reasoningSignature(String)
    /// `{"reasoningContent": {"redactedContent": …}}`: encrypted reasoning, base64 as streamed.
    case redactedReasoning(String)
    /// `{"citation": {…}}`: one citation (`CitationsDelta`) for the text of the same block.
    case citation(JSONValue)

    /// Reads the `delta` member of a `contentBlockDelta` payload; any other union member is refused.
    init(delta: JSONValue) throws(StreamFoldError) {
        let members = try delta.membersWithoutPadding(named: "\"delta\"")
        guard members.count == 1, let member = members.first else {
            throw StreamFoldError(reason: "a delta must have exactly one member, found \(Self.names(members))")
        }
        switch member.key {
        case "text":
            guard let text = member.value.stringValue else { throw .missing("delta \"text\"", expected: "a string") }
            self = .text(text)
        case "toolUse":
            guard let input = member.value["input"]?.stringValue else {
                throw .missing("delta \"toolUse.input\"", expected: "a string")
            }
            self = .toolInput(input)
        case "reasoningContent":
            self = try Self.reasoning(member.value)
        case "citation":
            self = .citation(.object(try member.value.membersWithoutPadding(named: "delta \"citation\"")))
        default:
            throw StreamFoldError(reason: "unsupported delta \"\(member.key)\"")
        }
    }

    /// `ReasoningContentBlockDelta` is itself a union: exactly one of text, signature, redactedContent.
    private static func reasoning(_ value: JSONValue) throws(StreamFoldError) -> StreamDelta {
        let members = try value.membersWithoutPadding(named: "delta \"reasoningContent\"")
        guard members.count == 1, let member = members.first else {
            throw StreamFoldError(
                reason: "a reasoningContent delta must have exactly one member, found \(names(members))")
        }
        guard let text = member.value.stringValue else {
            throw .missing("delta \"reasoningContent.\(member.key)\"", expected: "a string")
        }
        switch member.key {
        case "text": return .reasoningText(text)
        case "signature": return .reasoningSignature(text)
        case "redactedContent": return .redactedReasoning(text)
        default: throw StreamFoldError(reason: "unsupported reasoningContent delta \"\(member.key)\"")
        }
    }

    /// The member names, quoted, for an error message; `none` when there are none.
    private static func names(_ members: [JSONMember]) -> String {
        members.isEmpty ? "none" : members.map { "\"\($0.key)\"" }.joined(separator: ", ")
    }
}
