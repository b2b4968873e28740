/// The Bedrock Runtime operations Tapedeck serves, named by the last segment of their path. A new operation is a
/// new case: the proxy asks the case how its answer travels, and renders and records by it.
public enum ConverseOperation: String, Sendable, CaseIterable {
    case converse
    case converseStream = "converse-stream"

    /// Whether the answer is an event stream (`application/vnd.amazon.eventstream`) rather than one JSON document.
    public var streams: Bool {
        switch self {
        case .converse: return false
        case .converseStream: return true
        }
    }
}

/// What a request path names: a Converse route, nothing we serve, or a route with an unusable model id.
public enum RouteMatch: Sendable, Equatable {
    case converse(ConverseRoute)
    case notFound
    /// The path has the route's shape but its model id segment is malformed; the reason says how.
    case invalidModelId(String)
}

/// A parsed `{prefix}/model/{modelId}/converse[-stream]` request target.
public struct ConverseRoute: Sendable, Equatable {
    /// `""` for AWS itself, or one of Bifrost's integration prefixes such as `/bedrock`.
    public var prefix: String
    /// The model id or ARN, percent-decoded.
    public var modelId: String
    /// Which of the two operations the path names.
    public var operation: ConverseOperation

    /// Creates a route.
    public init(prefix: String, modelId: String, operation: ConverseOperation) {
        self.prefix = prefix
        self.modelId = modelId
        self.operation = operation
    }

    /// Path prefixes served: AWS (none) and Bifrost's integrations (PROTOCOL.md, Routes).
    public static let prefixes = ["", "/bedrock", "/cursor", "/litellm", "/langchain", "/pydanticai"]

    /// Longest decoded model id accepted, in bytes (PROTOCOL.md: up to 2048 characters).
    public static let maxModelIdBytes = 2048

    /// The request target for this route, with the model id encoded as boto3 does.
    public var path: String {
        "\(prefix)/model/\(Self.encodePathSegment(modelId))/\(operation.rawValue)"
    }

    /// Matches a request target without its query string.
    public static func parse(path: String) -> RouteMatch {
        parse(path: path.utf8)
    }

    /// Matches a request target, given as bytes, without its query string.
    public static func parse(path: some Collection<UInt8>) -> RouteMatch {
        if let match = path.withContiguousStorageIfAvailable({ match(UnsafeRawBufferPointer($0)) }) {
            return match
        }
        return Array(path).withUnsafeBytes { match($0) }
    }

    /// Each prefix with the bytes of `{prefix}/model/`, built once rather than per request.
    private static let heads: [(prefix: String, bytes: [UInt8])] = prefixes.map { ($0, Array("\($0)/model/".utf8)) }

    private static func match(_ path: UnsafeRawBufferPointer) -> RouteMatch {
        for (prefix, head) in heads {
            guard path.count > head.count, path.starts(with: head) else { continue }
            let rest = path[head.count...]
            // PROTOCOL.md: modelId is exactly one path segment, so it ends at the first '/'.
            guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return .notFound }
            let operationBytes = path[(slash + 1)...]
            guard let operation = ConverseOperation.allCases.first(where: { operationBytes.elementsEqual($0.rawValue.utf8) }) else {
                return .notFound
            }
            switch decodeModelId(UnsafeRawBufferPointer(rebasing: path[head.count..<slash])) {
            case .decoded(let modelId):
                return .converse(ConverseRoute(prefix: prefix, modelId: modelId, operation: operation))
            case .rejected(let reason):
                return .invalidModelId(reason)
            }
        }
        return .notFound
    }
}
