import TapedeckCodec
import TapedeckHTTP
import TapedeckStore

/// `/_tapedeck/scope`: the namespace and mode of requests that name neither, which a test runner sets before each
/// test (the pytest plugin does).
///
/// `GET` answers the scope in force. `POST` with `{"namespace": NAME, "mode": MODE, "recordHint": TEXT}` sets it; a
/// member left out is the server's own (`--namespace`, `--mode`), so `{}` goes back to them; `recordHint` is what a
/// replay miss says to do to record it (by default the `tapedeck serve` command). MODE is one of the modes, or `once`: `replay`
/// when the namespace has cassettes, else `auto` (record what the test asks for the first time). Setting a scope
/// starts every `--repeats sequence` session again. Both answer `{"namespace", "mode", "cassettes"}`, the cassettes
/// the namespace holds.
extension ProxyEngine {
    /// The largest `POST /_tapedeck/scope` body read.
    static let maxScopeBodyBytes = 4096

    func scopeRoute(_ exchange: Exchange) {
        let request = exchange.request
        switch request.method {
        case "GET", "HEAD":
            let current = scope.value
            readers.submit { [self] in answerScope(current, exchange) }
        case "POST":
            // A page may not pick the namespace and mode that other clients' requests are served in.
            if let refusal = configuration.siteGuard.bodyRefusal(request) { return exchange.fail(.validation(refusal, status: 415)) }
            let asked: ScopeRequest
            do throws(BedrockError) {
                asked = try ScopeRequest(body: request.body)
            } catch {
                return exchange.fail(error)
            }
            readers.submit { [self] in setScope(asked, exchange) }
        default:
            exchange.fail(.methodNotAllowed("\(request.method) is not allowed on /_tapedeck/scope; use GET or POST", allow: "GET, HEAD, POST"))
        }
    }

    /// Sets the scope `asked` for (resolving `once` by the namespace's cassettes) and answers it. Runs on a reader.
    private func setScope(_ asked: ScopeRequest, _ exchange: Exchange) {
        let namespace = asked.namespace ?? scope.defaults.namespace
        guard let count = cassetteCount(namespace, failing: exchange) else { return }
        let mode: ProxyMode
        switch asked.mode {
        case nil: mode = scope.defaults.mode
        case .once?: mode = count > 0 ? .replay : .auto
        case .mode(let chosen)?: mode = chosen
        }
        let value = RequestScope.Value(namespace: namespace, mode: upstream == nil ? .replay : mode, recordHint: asked.recordHint)
        scope.set(value)
        sessions.reset(session: nil)
        exchange.send(Self.scopeResponse(value, cassettes: count), Exchange.Disposition(.admin))
    }

    private func answerScope(_ value: RequestScope.Value, _ exchange: Exchange) {
        guard let count = cassetteCount(value.namespace, failing: exchange) else { return }
        exchange.send(Self.scopeResponse(value, cassettes: count), Exchange.Disposition(.admin))
    }

    /// How many cassettes `namespace` holds, or nil once `exchange` has been answered with why it cannot be listed.
    private func cassetteCount(_ namespace: String, failing exchange: Exchange) -> Int? {
        do {
            return try view(namespace).entries().count
        } catch {
            exchange.fail(.internalServer(clientPaths.scrub("cannot list namespace \(namespace) of \(store.description): \(error)")))
            return nil
        }
    }

    private static func scopeResponse(_ value: RequestScope.Value, cassettes: Int) -> HTTPResponse {
        let body = JSONValue.object([
            JSONMember("namespace", .string(value.namespace)),
            JSONMember("mode", .string(value.mode.rawValue)),
            JSONMember("cassettes", .number(String(cassettes))),
        ])
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: JSONWriter.compact(body))
    }
}

/// A `POST /_tapedeck/scope` body, checked.
struct ScopeRequest: Sendable, Equatable {
    enum Mode: Sendable, Equatable {
        case mode(ProxyMode)
        /// `replay` when the namespace has cassettes, else `auto`.
        case once
    }

    /// nil: the server's `--namespace`; "" the shared namespace.
    var namespace: String?
    /// nil: the server's `--mode`.
    var mode: Mode?
    /// What a replay miss says to do to record it; nil: the `tapedeck serve` command.
    var recordHint: String?

    /// The longest `recordHint`, in bytes.
    static let maxHintBytes = 300

    init(namespace: String?, mode: Mode?, recordHint: String? = nil) {
        self.namespace = namespace
        self.mode = mode
        self.recordHint = recordHint
    }

    /// Reads `{"namespace": NAME, "mode": MODE}` (both optional; an empty body is `{}`).
    init(body: [UInt8]) throws(BedrockError) {
        guard body.count <= ProxyEngine.maxScopeBodyBytes else {
            throw .validation("a /_tapedeck/scope body is at most \(ProxyEngine.maxScopeBodyBytes) bytes, not \(body.count)")
        }
        guard !body.isEmpty else { return }
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw .validation("a /_tapedeck/scope body must be a JSON object: \(error)")
        }
        guard let members = document.objectValue else {
            throw .validation("a /_tapedeck/scope body must be a JSON object like {\"namespace\": \"test_one\", \"mode\": \"replay\"}")
        }
        let names = ProxyMode.allCases.map(\.rawValue) + ["once"]
        for member in members {
            switch member.key {
            case "namespace":
                guard let name = member.value.stringValue else { throw .validation("scope namespace must be a string") }
                if !name.isEmpty, case .failure(let error) = Namespace.validate(name) {
                    throw .validation("invalid scope namespace: \(error)")
                }
                namespace = name
            case "mode":
                guard let name = member.value.stringValue, names.contains(name) else {
                    throw .validation("scope mode must be one of \(names.joined(separator: ", "))")
                }
                mode = name == "once" ? .once : ProxyMode(rawValue: name).map(Mode.mode)
            case "recordHint":
                guard let hint = member.value.stringValue, !hint.isEmpty, hint.utf8.count <= Self.maxHintBytes,
                      !hint.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw .validation("scope recordHint must be a string of 1-\(Self.maxHintBytes) bytes without control characters")
                }
                recordHint = hint
            default:
                throw .validation("unknown scope member \"\(member.key)\": a scope has namespace, mode and recordHint")
            }
        }
    }
}
