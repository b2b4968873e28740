/// The Bedrock Runtime operations Tapedeck records, named in cassettes by their raw value. A new operation is a
/// new case: the proxy asks the case how its answer travels and how its key is made, and renders and records by it.
public enum BedrockOperation: String, Sendable, CaseIterable {
    case converse
    case converseStream = "converse-stream"
    case invokeModel = "invoke"
    case invokeModelWithResponseStream = "invoke-with-response-stream"
    case countTokens = "count-tokens"
    case applyGuardrail = "apply-guardrail"

    /// Whether the answer is an event stream (`application/vnd.amazon.eventstream`) rather than one document.
    public var streams: Bool {
        switch self {
        case .converseStream, .invokeModelWithResponseStream: return true
        case .converse, .invokeModel, .countTokens, .applyGuardrail: return false
        }
    }

    /// Operations whose cassettes answer one another (folded or synthesized): Converse and ConverseStream always,
    /// InvokeModel and its stream when the model's format is known (`CacheKey.family`).
    public enum Family: String, Sendable {
        case converse, invoke, countTokens = "count-tokens", applyGuardrail = "apply-guardrail"
    }

    /// The family this operation belongs to.
    public var family: Family {
        switch self {
        case .converse, .converseStream: return .converse
        case .invokeModel, .invokeModelWithResponseStream: return .invoke
        case .countTokens: return .countTokens
        case .applyGuardrail: return .applyGuardrail
        }
    }

    /// The operation's name in AWS's API, e.g. `InvokeModelWithResponseStream`.
    public var awsName: String {
        switch self {
        case .converse: return "Converse"
        case .converseStream: return "ConverseStream"
        case .invokeModel: return "InvokeModel"
        case .invokeModelWithResponseStream: return "InvokeModelWithResponseStream"
        case .countTokens: return "CountTokens"
        case .applyGuardrail: return "ApplyGuardrail"
        }
    }

    /// The last segment of its `/model/{modelId}/…` route; nil for ApplyGuardrail, which names a guardrail.
    public var modelSegment: String? {
        self == .applyGuardrail ? nil : rawValue
    }

    /// The operations on `/model/{modelId}/…`, looked up by their last path segment.
    static let modelOperations: [BedrockOperation] = allCases.filter { $0.modelSegment != nil }
}
