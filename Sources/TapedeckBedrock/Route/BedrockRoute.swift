import Glibc
/// What a request path names: an operation Tapedeck records, one it passes through, one it cannot carry, or a
/// recorded route whose model id (or guardrail) segment is malformed.
public enum RouteMatch: Sendable, Equatable {
    case recorded(BedrockRoute)
    /// Any other path: forwarded upstream unchanged when there is an upstream, never recorded.
    case passThrough(PassThroughRoute)
    /// `InvokeModelWithBidirectionalStream`, which needs HTTP/2.
    case bidirectionalStream
    /// The path has a recorded route's shape but its model id or guardrail segment is malformed; the reason says how.
    case invalidModelId(String)
}

/// A parsed `{prefix}/model/{modelId}/{operation}` or `{prefix}/guardrail/{id}/version/{version}/apply` target.
public struct BedrockRoute: Sendable, Equatable {
    /// `""` for AWS itself, or one of Bifrost's integration prefixes such as `/bedrock`.
    public var prefix: String
    /// The model id or ARN, percent-decoded; for ApplyGuardrail `{guardrailIdentifier}@{guardrailVersion}`.
    public var modelId: String
    /// The operation the path names.
    public var operation: BedrockOperation

    /// Creates a route.
    public init(prefix: String, modelId: String, operation: BedrockOperation) {
        self.prefix = prefix
        self.modelId = modelId
        self.operation = operation
    }

    /// Creates an ApplyGuardrail route.
    public init(prefix: String, guardrail identifier: String, version: String) {
        self.init(prefix: prefix, modelId: "\(identifier)@\(version)", operation: .applyGuardrail)
    }

    /// Path prefixes served: AWS (none) and Bifrost's integrations (PROTOCOL.md, Routes).
    public static let prefixes = ["", "/bedrock", "/cursor", "/litellm", "/langchain", "/pydanticai"]

    /// Longest decoded model id accepted, in bytes (PROTOCOL.md: up to 2048 characters).
    public static let maxModelIdBytes = 2048

    /// The request target for this route, with its segments encoded as boto3 does.
    public var path: String { prefix + upstreamPath }

    /// The route without its prefix: what is appended to the upstream's base URL.
    public var upstreamPath: String {
        guard let segment = operation.modelSegment else {
            let (identifier, version) = guardrail ?? (modelId, "")
            return "/guardrail/\(Self.encodePathSegment(identifier))/version/\(Self.encodePathSegment(version))/apply"
        }
        return "/model/\(Self.encodePathSegment(modelId))/\(segment)"
    }

    /// The guardrail's identifier and version, for an ApplyGuardrail route.
    public var guardrail: (identifier: String, version: String)? {
        guard operation == .applyGuardrail, let at = modelId.lastIndex(of: "@") else { return nil }
        return (String(modelId[..<at]), String(modelId[modelId.index(after: at)...]))
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

    /// Each prefix with the bytes of `{prefix}/model/` and `{prefix}/guardrail/`, built once rather than per request.
    private static let heads: [(prefix: String, model: [UInt8], guardrail: [UInt8])] = prefixes.map {
        ($0, Array("\($0)/model/".utf8), Array("\($0)/guardrail/".utf8))
    }

    private static let bidirectional = Array("invoke-with-bidirectional-stream".utf8)

    /// Each model operation with the bytes of its last path segment.
    private static let operationSegments = BedrockOperation.modelOperations.map { (operation: $0, bytes: Array($0.rawValue.utf8)) }

    /// Whether `segment` is `bytes`, compared as memory.
    @inline(__always)
    private static func same(_ segment: UnsafeRawBufferPointer, _ bytes: [UInt8]) -> Bool {
        segment.count == bytes.count && bytes.withUnsafeBytes { memcmp(segment.baseAddress!, $0.baseAddress!, bytes.count) == 0 }
    }

    private static func match(_ path: UnsafeRawBufferPointer) -> RouteMatch {
        for (prefix, model, guardrail) in heads {
            if path.count > model.count, path.starts(with: model) {
                if let match = matchModel(path, after: model.count, prefix: prefix) { return match }
            } else if path.count > guardrail.count, path.starts(with: guardrail) {
                if let match = matchGuardrail(path, after: guardrail.count, prefix: prefix) { return match }
            }
        }
        return .passThrough(PassThroughRoute(path: path))
    }

    /// `{modelId}/{operation}` after `{prefix}/model/`; nil when it is not a recorded operation's route.
    private static func matchModel(_ path: UnsafeRawBufferPointer, after start: Int, prefix: String) -> RouteMatch? {
        // PROTOCOL.md: modelId is exactly one path segment, so it ends at the first '/'.
        guard let found = memchr(path.baseAddress! + start, Int32(UInt8(ascii: "/")), path.count - start) else { return nil }
        let slash = path.baseAddress!.distance(to: UnsafeRawPointer(found))
        let segment = UnsafeRawBufferPointer(rebasing: path[(slash + 1)...])
        if Self.same(segment, bidirectional) { return .bidirectionalStream }
        guard let operation = operationSegments.first(where: { Self.same(segment, $0.bytes) })?.operation else { return nil }
        switch decodeModelId(UnsafeRawBufferPointer(rebasing: path[start..<slash])) {
        case .decoded(let modelId):
            return .recorded(BedrockRoute(prefix: prefix, modelId: modelId, operation: operation))
        case .rejected(let reason):
            return .invalidModelId(reason)
        }
    }

    /// `{id}/version/{version}/apply` after `{prefix}/guardrail/`; nil when the path has another shape.
    private static func matchGuardrail(_ path: UnsafeRawBufferPointer, after start: Int, prefix: String) -> RouteMatch? {
        let segments = path[start...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard segments.count == 4, segments[1].elementsEqual("version".utf8), segments[3].elementsEqual("apply".utf8) else {
            return nil
        }
        let identifier: String, version: String
        switch decodeModelId(UnsafeRawBufferPointer(rebasing: segments[0])) {
        case .decoded(let decoded): identifier = decoded
        case .rejected(let reason): return .invalidModelId("guardrail identifier: " + reason)
        }
        switch decodeModelId(UnsafeRawBufferPointer(rebasing: segments[2])) {
        case .decoded(let decoded): version = decoded
        case .rejected(let reason): return .invalidModelId("guardrail version: " + reason)
        }
        // botocore's model: a version is DRAFT or a number, so `@` can join it to the identifier unambiguously.
        guard !version.contains("@") else { return .invalidModelId("guardrail version \"\(version)\" contains @") }
        return .recorded(BedrockRoute(prefix: prefix, guardrail: identifier, version: version))
    }
}
