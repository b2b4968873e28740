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
    let route: ConverseRoute
    /// The mode this request is served in (`x-tapedeck-mode`, or the server's; always replay without an upstream).
    let mode: ProxyMode
    /// The request's namespace ("" is the shared one) and the store seen through it.
    let namespace: String
    let store: CassetteStore
    /// The cache key of the request's body, before `--repeats`.
    let baseKey: CacheKey
    /// Which answer to identical requests this is (`--repeats sequence`); 0 otherwise.
    let repeatIndex: Int
    /// The body as parsed while deriving the key; nil when a byte-identical body's key was remembered instead.
    let parsedBody: JSONValue?

    /// The key the answer is recorded and looked up under: the cache key with the repeat index applied.
    let key: CacheKey

    /// A resolved request; `key` is derived from `baseKey` and `repeatIndex`.
    init(
        request: HTTPRequest, route: ConverseRoute, mode: ProxyMode, namespace: String, store: CassetteStore,
        baseKey: CacheKey, repeatIndex: Int, parsedBody: JSONValue?
    ) {
        self.request = request
        self.route = route
        self.mode = mode
        self.namespace = namespace
        self.store = store
        self.baseKey = baseKey
        self.repeatIndex = repeatIndex
        self.parsedBody = parsedBody
        key = baseKey.repeated(repeatIndex)
    }

    /// The body as a JSON object: parsed already, or parsed now (only a miss needs it once its key is known).
    func body() throws(BedrockError) -> JSONValue {
        if let parsedBody { return parsedBody }
        return try Self.parseBody(request.body)
    }

    /// `bytes` as a request body: a JSON object within the request limits, or a ValidationException.
    static func parseBody(_ bytes: [UInt8]) throws(BedrockError) -> JSONValue {
        let body: JSONValue
        do {
            body = try JSONParser.parse(bytes, limits: .request)
        } catch {
            throw .validation("request body is not valid JSON: \(error)")
        }
        guard body.objectValue != nil else { throw .validation("request body must be a JSON object") }
        return body
    }
}
