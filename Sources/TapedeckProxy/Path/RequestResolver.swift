import TapedeckCodec
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore

/// The first hop of a request's path: from an HTTP request to a `ResolvedRequest` (route, mode, namespace and its
/// store, key, repeat index), a request to pass through unrecorded, or the Bedrock error that refuses it. Reads no
/// cassette and answers no client.
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
    /// The namespace and mode of a request that names neither.
    let scope: RequestScope

    /// What a request turned out to be.
    enum Resolution {
        /// An operation Tapedeck records.
        case recorded(ResolvedRequest)
        /// Any other route, to forward unchanged (the mode is auto, record or passthrough: one with an upstream).
        case passThrough(PassThroughRoute)
    }

    /// Why a request cannot be resolved, and as much of its route as was known (for the log line and the stats).
    struct Refusal: Error {
        let error: BedrockError
        let route: BedrockRoute?
    }

    /// Resolves a request whose path is not one of Tapedeck's own.
    func resolve(_ request: HTTPRequest) throws(Refusal) -> Resolution {
        try resolve(request, path: request.path)
    }

    /// Resolves a request whose path (`request.path`, split once by the caller) is not one of Tapedeck's own.
    func resolve(_ request: HTTPRequest, path: Substring) throws(Refusal) -> Resolution {
        let route: BedrockRoute
        switch BedrockRoute.parse(path: String(path)) {
        case .passThrough(let other):
            do throws(BedrockError) {
                try refuseWhenReplaying(request, other)
                return .passThrough(other)
            } catch {
                throw Refusal(error: error, route: nil)
            }
        case .bidirectionalStream:
            throw Refusal(error: .notImplemented(
                "InvokeModelWithBidirectionalStream needs HTTP/2, and Tapedeck serves HTTP/1.1: call it on Bedrock directly"),
                route: nil)
        case .invalidModelId(let reason):
            throw Refusal(error: .validation("invalid model id in \(path): \(reason)"), route: nil)
        case .recorded(let found):
            route = found
        }
        do throws(BedrockError) {
            return .recorded(try resolve(request, path: path, route: route))
        } catch {
            throw Refusal(error: error, route: route)
        }
    }

    /// Refuses a route Tapedeck does not record when the request is served in replay mode (or there is no
    /// upstream), naming it.
    private func refuseWhenReplaying(_ request: HTTPRequest, _ route: PassThroughRoute) throws(BedrockError) {
        guard try mode(of: request, scope: scope.value) == .replay else { return }
        let name = route.operationName(method: request.method).map { "\($0) (\(request.method) \(route.upstreamPath))" }
            ?? "\(request.method) \(route.upstreamPath), not a Bedrock Runtime operation Tapedeck knows,"
        let why = hasUpstream ? "replay mode never calls upstream" : "this server has no --upstream"
        throw .unknownOperation(
            "\(name) is never recorded: Tapedeck passes it through to the upstream, and \(why). "
                + "Tapedeck records Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream, CountTokens and ApplyGuardrail")
    }

    private func resolve(_ request: HTTPRequest, path: Substring, route: BedrockRoute) throws(BedrockError) -> ResolvedRequest {
        guard request.method == "POST" else {
            throw .methodNotAllowed("\(request.method) is not allowed on \(path); use POST", allow: "POST")
        }
        let inScope = scope.value
        let mode = try mode(of: request, scope: inScope)
        let operation = route.operation
        let headers = KeyedRequest.headers(operation) { request.headers[$0] }
        // A byte-identical repeat skips parsing and hashing; the body is parsed only when something needs it.
        let scope = Self.memoScope(route, headers)
        var parsed: KeyedRequest?
        let baseKey: CacheKey
        if let remembered = memo.key(model: scope, body: request.body) {
            baseKey = remembered
        } else {
            let keyed = try ResolvedRequest.keyedRequest(route, headers: headers, body: request.body)
            do {
                baseKey = try keyed.key(ignoring: configuration.ignoreFields)
            } catch {
                throw .validation("request body cannot be canonicalized: \(error)")
            }
            memo.remember(baseKey, model: scope, body: request.body)
            parsed = keyed
        }
        let namespace = request.headers["x-tapedeck-namespace"] ?? inScope.namespace
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
            request: request, route: route, mode: mode, namespace: namespace, store: store, keyedHeaders: headers,
            baseKey: baseKey, repeatIndex: index, parsed: parsed)
    }

    /// What besides the body a remembered key depends on: the model id for Converse (the hot path), else the
    /// operation, the model id and the keyed headers.
    private static func memoScope(_ route: BedrockRoute, _ headers: [HeaderPair]) -> String {
        guard route.operation.family != .converse else { return route.modelId }
        var scope = route.operation.rawValue + "\n" + route.modelId
        for header in headers { scope += "\n\(header.name):\(header.value)" }
        return scope
    }

    /// The mode `request` is served in: `x-tapedeck-mode` or the server's, and replay whenever there is no upstream.
    private func mode(of request: HTTPRequest, scope: RequestScope.Value) throws(BedrockError) -> ProxyMode {
        var mode = scope.mode
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
