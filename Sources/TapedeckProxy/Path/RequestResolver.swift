import TapedeckCodec
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore

/// The first hop of a request's path: from an HTTP request to a `ResolvedRequest` (route, mode, namespace and its
/// store, key, repeat index), or the Bedrock error that refuses it. Reads no cassette and answers no client.
struct RequestResolver: Sendable {
    let configuration: ProxyConfiguration
    /// Whether an upstream is configured; without one every request is served in replay mode.
    let hasUpstream: Bool
    /// Keys of byte-identical request bodies seen before.
    let memo: RequestMemo
    /// Per-session counts of identical requests (`--repeats sequence`).
    let sessions: SessionCounters
    /// The store's namespace views.
    let views: NamespaceViews

    /// Why a request cannot be resolved, and as much of its route as was known (for the log line and the stats).
    struct Refusal: Error {
        let error: BedrockError
        let route: ConverseRoute?
    }

    /// Resolves a request whose path is not one of Tapedeck's own.
    func resolve(_ request: HTTPRequest) throws(Refusal) -> ResolvedRequest {
        try resolve(request, path: request.path)
    }

    /// Resolves a request whose path (`request.path`, split once by the caller) is not one of Tapedeck's own.
    func resolve(_ request: HTTPRequest, path: Substring) throws(Refusal) -> ResolvedRequest {
        let route: ConverseRoute
        switch ConverseRoute.parse(path: String(path)) {
        case .notFound:
            throw Refusal(error: .unknownOperation(
                "no route for \(request.method) \(path); Tapedeck serves POST [prefix]/model/{modelId}/converse and /converse-stream"),
                route: nil)
        case .invalidModelId(let reason):
            throw Refusal(error: .validation("invalid model id in \(path): \(reason)"), route: nil)
        case .converse(let found):
            route = found
        }
        do throws(BedrockError) {
            return try resolve(request, path: path, route: route)
        } catch {
            throw Refusal(error: error, route: route)
        }
    }

    private func resolve(_ request: HTTPRequest, path: Substring, route: ConverseRoute) throws(BedrockError) -> ResolvedRequest {
        guard request.method == "POST" else {
            throw .methodNotAllowed("\(request.method) is not allowed on \(path); use POST", allow: "POST")
        }
        let mode = try mode(of: request)
        // A byte-identical repeat skips parsing and hashing; the body is parsed only when something needs it.
        var parsed: JSONValue?
        let baseKey: CacheKey
        if let remembered = memo.key(model: route.modelId, body: request.body) {
            baseKey = remembered
        } else {
            let body = try ResolvedRequest.parseBody(request.body)
            do {
                baseKey = try CacheKey.derive(modelId: route.modelId, body: body, ignoring: configuration.ignoreFields)
            } catch {
                throw .validation("request body cannot be canonicalized: \(error)")
            }
            memo.remember(baseKey, model: route.modelId, body: request.body)
            parsed = body
        }
        let namespace = request.headers["x-tapedeck-namespace"] ?? configuration.namespace
        if !namespace.isEmpty, case .failure(let error) = Namespace.validate(namespace) {
            throw .validation("invalid x-tapedeck-namespace: \(error)")
        }
        let store: CassetteStore
        do {
            store = try views.view(namespace)
        } catch {
            throw .validation("invalid x-tapedeck-namespace: \(error)")
        }
        let session = request.headers["x-tapedeck-session"] ?? ""
        let index = configuration.repeats == .sequence && mode != .passthrough ? sessions.next(session: session, key: baseKey) : 0
        return ResolvedRequest(
            request: request, route: route, mode: mode, namespace: namespace, store: store, baseKey: baseKey,
            repeatIndex: index, parsedBody: parsed)
    }

    /// The mode `request` is served in: `x-tapedeck-mode` or the server's, and replay whenever there is no upstream.
    private func mode(of request: HTTPRequest) throws(BedrockError) -> ProxyMode {
        var mode = configuration.mode
        if let asked = request.headers["x-tapedeck-mode"] {
            guard let chosen = ProxyMode(rawValue: asked.lowercased()) else {
                let names = ProxyMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw .validation("x-tapedeck-mode must be one of \(names), not \"\(asked)\"")
            }
            mode = chosen
        }
        // Without an upstream nothing reaches the network, whatever the request asks for.
        return hasUpstream ? mode : .replay
    }
}
