/// A path Tapedeck does not record: the rest of Bedrock Runtime (async invocations, guardrail checks, whatever AWS
/// adds) and anything else. Forwarded unchanged, without the Bifrost prefix, when there is an upstream.
public struct PassThroughRoute: Sendable, Equatable {
    /// The Bifrost prefix the path started with, or `""`.
    public var prefix: String
    /// The path after the prefix, as sent (still percent-encoded).
    public var upstreamPath: String

    /// Splits `path` into a known prefix (the longest that is followed by `/`) and the rest.
    init(path: UnsafeRawBufferPointer) {
        let text = String(decoding: path, as: UTF8.self)
        for prefix in BedrockRoute.prefixes where !prefix.isEmpty {
            if text.utf8.count > prefix.utf8.count, text.hasPrefix(prefix + "/") {
                self.prefix = prefix
                upstreamPath = String(text.dropFirst(prefix.count))
                return
            }
        }
        prefix = ""
        upstreamPath = text
    }

    /// Creates a route from its parts.
    public init(prefix: String, upstreamPath: String) {
        self.prefix = prefix
        self.upstreamPath = upstreamPath
    }

    /// The Bedrock Runtime operation `method` on this path is (botocore's service model), or nil for an unknown one.
    public func operationName(method: String) -> String? {
        let path = upstreamPath
        switch (method, path) {
        case ("POST", "/async-invoke"): return "StartAsyncInvoke"
        case ("GET", "/async-invoke"): return "ListAsyncInvokes"
        case ("POST", "/guardrail-checks/invoke"): return "InvokeGuardrailChecks"
        default:
            let head = "/async-invoke/"
            if method == "GET", path.count > head.count, path.hasPrefix(head), !path.dropFirst(head.count).contains("/") {
                return "GetAsyncInvoke"
            }
            return nil
        }
    }
}
