import TapedeckCodec
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore

/// A Bedrock request as the proxy understands it before any cassette is read: what it asks for, how it is to be
/// served, where its cassette lives and under which key.
///
/// A class, immutable: the exchange, the flight and the stream relay share one, at the cost of one reference.
final class ResolvedRequest: Sendable {
    /// The request as it arrived.
    let request: HTTPRequest
    /// The operation and model id from the path.
    let route: BedrockRoute
    /// The mode this request is served in (`x-tapedeck-mode`, or the server's; always replay without an upstream).
    let mode: ProxyMode
    /// The request's namespace ("" is the shared one) and the store seen through it.
    let namespace: String
    let store: CassetteStore
    /// The request headers that are part of the key (InvokeModel's), in key order.
    let keyedHeaders: [HeaderPair]
    /// The cache key of the request's body, before `--repeats`.
    let baseKey: CacheKey
    /// Which answer to identical requests this is (`--repeats sequence`); 0 otherwise.
    let repeatIndex: Int
    /// The request as parsed while deriving the key; nil when a byte-identical body's key was remembered instead.
    let parsed: KeyedRequest?

    /// The key the answer is recorded and looked up under: the cache key with the repeat index applied.
    let key: CacheKey

    /// A resolved request; `key` is derived from `baseKey` and `repeatIndex`.
    init(
        request: HTTPRequest, route: BedrockRoute, mode: ProxyMode, namespace: String, store: CassetteStore,
        keyedHeaders: [HeaderPair] = [], baseKey: CacheKey, repeatIndex: Int, parsed: KeyedRequest?
    ) {
        self.request = request
        self.route = route
        self.mode = mode
        self.namespace = namespace
        self.store = store
        self.keyedHeaders = keyedHeaders
        self.baseKey = baseKey
        self.repeatIndex = repeatIndex
        self.parsed = parsed
        key = baseKey.repeated(repeatIndex)
    }

    /// What the key is made of: parsed already, or parsed now (only a miss needs it once its key is known).
    func keyedRequest() throws(BedrockError) -> KeyedRequest {
        if let parsed { return parsed }
        return try Self.keyedRequest(route, headers: keyedHeaders, body: request.body)
    }

    /// The body as JSON, when it is JSON (every operation's but InvokeModel's must be a JSON object).
    func jsonBody() throws(BedrockError) -> JSONValue? {
        guard case .json(let json) = try keyedRequest().body else { return nil }
        return json
    }

    /// A request to `route` with `body`: a JSON object for every operation but InvokeModel, whose body is JSON or
    /// bytes; a ValidationException otherwise.
    static func keyedRequest(_ route: BedrockRoute, headers: [HeaderPair], body bytes: [UInt8]) throws(BedrockError) -> KeyedRequest {
        let body: KeyedRequest.Body
        do {
            body = try KeyedRequest.body(route.operation, bytes: bytes, limits: .request)
        } catch {
            throw .validation("request body is not valid JSON: \(error)")
        }
        if route.operation.family != .invoke, case .json(let json) = body, json.objectValue == nil {
            throw .validation("request body must be a JSON object")
        }
        return KeyedRequest(operation: route.operation, modelId: route.modelId, headers: headers, body: body)
    }
}
