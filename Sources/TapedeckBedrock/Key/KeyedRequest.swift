import TapedeckCodec
import TapedeckSystem
/// Everything of a request that its cache key is made of: operation, model id (or guardrail), the request headers
/// that change the answer, and the body. A cassette keeps all of it, so its key can always be derived again.
public struct KeyedRequest: Sendable, Equatable {
    /// A request body as the key sees it: JSON (hashed in RFC 8785 form) or, when it is not JSON, its exact bytes.
    public enum Body: Sendable, Equatable {
        case json(JSONValue)
        case bytes([UInt8])
    }

    public var operation: BedrockOperation
    /// The route's model id, or `{guardrailIdentifier}@{guardrailVersion}`.
    public var modelId: String
    /// The keyed headers present on the request, lower-case names in `keyedHeaders` order.
    public var headers: [HeaderPair]
    public var body: Body

    /// Creates a keyed request.
    public init(operation: BedrockOperation, modelId: String, headers: [HeaderPair] = [], body: Body) {
        self.operation = operation
        self.modelId = modelId
        self.headers = headers
        self.body = body
    }

    /// InvokeModel's request headers that change the answer, as (name on the wire, name in the key). The stream
    /// carries the accept type as `X-Amzn-Bedrock-Accept`. Request metadata and the project only tag logs and bills.
    public static func keyedHeaders(_ operation: BedrockOperation) -> [(wire: String, key: String)] {
        guard operation.family == .invoke else { return [] }
        return [
            ("content-type", "content-type"),
            (operation == .invokeModelWithResponseStream ? "x-amzn-bedrock-accept" : "accept", "accept"),
            ("x-amzn-bedrock-trace", "x-amzn-bedrock-trace"),
            ("x-amzn-bedrock-guardrailidentifier", "x-amzn-bedrock-guardrailidentifier"),
            ("x-amzn-bedrock-guardrailversion", "x-amzn-bedrock-guardrailversion"),
            ("x-amzn-bedrock-performanceconfig-latency", "x-amzn-bedrock-performanceconfig-latency"),
            ("x-amzn-bedrock-service-tier", "x-amzn-bedrock-service-tier"),
        ]
    }

    /// The keyed headers of a request whose header values `header` looks up by (case-insensitive) name. Bedrock's
    /// documented default for an absent content type and accept type is `application/json`, so absence keys as that;
    /// so does an accept type of `*/*` (curl's and most HTTP libraries' default), which Bedrock answers the same.
    public static func headers(_ operation: BedrockOperation, _ header: (String) -> String?) -> [HeaderPair] {
        keyedHeaders(operation).compactMap { wire, key in
            let value = header(wire)?.trimmingSpaces
            if key == "content-type" || key == "accept" {
                let given = value ?? ""
                let isDefault = given.isEmpty || (key == "accept" && given == "*/*")
                return HeaderPair(key, isDefault ? "application/json" : given)
            }
            return value.map { HeaderPair(key, $0) }
        }
    }

    /// The body as the key reads it: parsed JSON for every operation that takes JSON; for InvokeModel, JSON when it
    /// is a JSON object (every documented model format), else its bytes. Throws what the parser said when a JSON
    /// operation's body is not JSON.
    public static func body(_ operation: BedrockOperation, bytes: [UInt8], limits: JSONLimits) throws(JSONError) -> Body {
        guard operation.family == .invoke else { return .json(try JSONParser.parse(bytes, limits: limits)) }
        guard let json = try? JSONParser.parse(bytes, limits: limits), json.objectValue != nil else { return .bytes(bytes) }
        return .json(json)
    }

    /// Whether InvokeModel and its stream share this request's cassette: true when the body is in a format whose
    /// answers Tapedeck can fold and synthesize (Anthropic Messages).
    public var crossServes: Bool {
        guard operation.family == .invoke, case .json(let json) = body else { return operation.family == .converse }
        // Anthropic Messages bodies name their format in `anthropic_version` (PROTOCOL.md, Model formats).
        return json["anthropic_version"]?.stringValue != nil
    }

    /// The name of what the key is made for: the family when its operations answer one another (for InvokeModel
    /// with its format, `invoke anthropic-messages`), else the operation, so no two share a name.
    public var keyFamily: String {
        guard crossServes else { return operation.rawValue }
        return operation.family == .invoke ? "invoke anthropic-messages" : operation.family.rawValue
    }

    /// The cache key, with every dotted path in `ignoring` removed from a JSON body.
    ///
    /// Converse keys are `CacheKey.derive` (format v1). Every other operation hashes `tapedeck-key-v2\n`, the key
    /// family, `\n`, the model id, `\n`, each keyed header as `name:value\n`, `\n`, then `json\n` and the RFC 8785
    /// form of the body, or `bytes\n` and the body's bytes.
    public func key(ignoring: [String] = []) throws(JSONError) -> CacheKey {
        if operation.family == .converse, case .json(let json) = body {
            return try CacheKey.derive(modelId: modelId, body: json, ignoring: ignoring)
        }
        var hasher = SHA256()
        hasher.update(CacheKey.versionTagV2)
        hasher.update(keyFamily)
        hasher.update("\n")
        hasher.update(modelId)
        hasher.update("\n")
        for header in headers {
            hasher.update(header.name)
            hasher.update(":")
            hasher.update(header.value)
            hasher.update("\n")
        }
        hasher.update("\n")
        switch body {
        case .json(let json):
            var keyed = json
            for path in ignoring { keyed = keyed.removing(path: path) }
            hasher.update("json\n")
            hasher.update(try JSONWriter.canonical(Self.canonicalizingEmbeddedBody(keyed, operation: operation)))
        case .bytes(let bytes):
            hasher.update("bytes\n")
            hasher.update(bytes)
        }
        return CacheKey(digest: hasher.finalize())
    }

    /// CountTokens carries an InvokeModel body as a string (`input.invokeModel.body`): when that string is JSON,
    /// its canonical form is keyed, so key order inside it does not matter either.
    private static func canonicalizingEmbeddedBody(_ json: JSONValue, operation: BedrockOperation) -> JSONValue {
        guard operation == .countTokens, let text = json["input"]?["invokeModel"]?["body"]?.stringValue,
              let inner = try? JSONParser.parse(Array(text.utf8)), let canonical = try? JSONWriter.canonical(inner) else {
            return json
        }
        return json.setting(["input", "invokeModel", "body"], to: .string(String(decoding: canonical, as: UTF8.self)))
    }
}

/// One header as a cassette keeps it: a lower-case name and the value as sent, trimmed.
public struct HeaderPair: Sendable, Equatable {
    public var name: String
    public var value: String

    /// Creates a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
