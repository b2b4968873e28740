import Testing
@testable import TapedeckCodec
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// The first hop on its own, with no sockets: which requests are refused and with what, the mode each is served
/// in, its key, namespace and repeat index.
@Suite struct RequestResolverTests {
    /// A resolver over a JSON store in a scratch directory of its own.
    private struct Subject {
        let resolver: RequestResolver
        let store: JSONFileStore
        let scratch: ScratchDirectory
        let scope: RequestScope

        init(hasUpstream: Bool = true, configure: (inout ProxyConfiguration) -> Void = { _ in }) throws {
            scratch = try ScratchDirectory("resolver")
            store = JSONFileStore(directory: scratch("cassettes"))
            var configuration = ProxyConfiguration(mode: .auto, upstream: hasUpstream ? "http://127.0.0.1:1" : nil)
            configure(&configuration)
            scope = RequestScope(defaults: RequestScope.Value(namespace: configuration.namespace, mode: configuration.mode))
            resolver = RequestResolver(
                configuration: configuration, hasUpstream: hasUpstream, memo: RequestMemo(), sessions: SessionCounters(),
                views: NamespaceViews(store), scope: scope)
        }

        /// What the resolver made of `request`, or nil when it refused it.
        func resolve(_ request: HTTPRequest) -> ResolvedRequest? {
            do {
                guard case .recorded(let resolved) = try resolver.resolve(request) else { return nil }
                return resolved
            } catch {
                return nil
            }
        }

        /// The route `request` is passed through on; nil when it is recorded or refused.
        func passThrough(_ request: HTTPRequest) -> PassThroughRoute? {
            do {
                guard case .passThrough(let route) = try resolver.resolve(request) else { return nil }
                return route
            } catch {
                return nil
            }
        }

        /// Why the resolver refused `request`, or nil when it resolved it.
        func refusal(_ request: HTTPRequest) -> RequestResolver.Refusal? {
            do {
                _ = try resolver.resolve(request)
                return nil
            } catch {
                return error
            }
        }
    }

    private static let haikuRoute = BedrockRoute(prefix: "", modelId: ProxyHarness.haiku, operation: .converse)

    /// A request as the HTTP layer would hand it over.
    private static func request(
        _ method: String = "POST", _ target: String = ProxyHarness.haikuPath, headers: [(String, String)] = [],
        body: String = ProxyHarness.helloBody
    ) -> HTTPRequest {
        HTTPRequest(head: HTTPRequestHead(method: method, target: target, headers: HTTPHeaders(headers)), body: Array(body.utf8))
    }

    @Test func aPathThatIsNoRecordedOperationPassesThroughWithoutItsBifrostPrefix() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let cases = [
            ("POST", "/async-invoke", "/async-invoke"), ("GET", "/bedrock/async-invoke", "/async-invoke"),
            ("GET", "/cursor/async-invoke/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aasync-invoke%2Fabc", "/async-invoke/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aasync-invoke%2Fabc"),
            ("POST", "/guardrail-checks/invoke", "/guardrail-checks/invoke"), ("POST", "/v1/chat/completions", "/v1/chat/completions"),
        ]
        for (method, target, upstreamPath) in cases {
            let route = try #require(subject.passThrough(Self.request(method, target)), "\(target) passes through")
            #expect(route.upstreamPath == upstreamPath)
        }
        #expect(subject.passThrough(Self.request("GET", "/async-invoke", headers: [("x-tapedeck-mode", "replay")])) == nil)
    }

    @Test func inReplayOrWithoutAnUpstreamARouteThatIsNeverRecordedIsA404NamingIt() throws {
        let offline = try Subject(hasUpstream: false)
        let replaying = try Subject { $0.mode = .replay }
        defer { offline.scratch.remove(); replaying.scratch.remove() }
        let cases = [
            ("POST", "/async-invoke", "StartAsyncInvoke"), ("GET", "/bedrock/async-invoke", "ListAsyncInvokes"),
            ("GET", "/async-invoke/abc", "GetAsyncInvoke"), ("POST", "/guardrail-checks/invoke", "InvokeGuardrailChecks"),
            ("POST", "/v1/chat/completions", "not a Bedrock Runtime operation"),
        ]
        for subject in [offline, replaying] {
            for (method, target, name) in cases {
                let refusal = try #require(subject.refusal(Self.request(method, target)), "\(target) is refused")
                let response = refusal.error.response()
                #expect(response.status == 404)
                #expect(response.headers["x-amzn-ErrorType"] == "UnknownOperationException")
                #expect(refusal.error.message.contains(name), "\(refusal.error.message)")
                #expect(refusal.error.message.contains("never recorded"))
                #expect(refusal.route == nil)
            }
        }
    }

    @Test func theBidirectionalStreamIsNotImplementedBecauseItNeedsHTTP2() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let refusal = try #require(subject.refusal(Self.request("POST", "/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream")))
        #expect(refusal.error.status == 501)
        #expect(refusal.error.message.contains("HTTP/2"))
    }

    @Test func aMalformedModelIdIsAValidationErrorWithNoRoute() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let refusal = try #require(subject.refusal(Self.request("POST", "/model/bad%ZZid/converse")))
        #expect(refusal.error.status == 400)
        #expect(refusal.error.type == "ValidationException")
        #expect(refusal.error.message.contains("invalid model id"))
        #expect(refusal.route == nil)
    }

    @Test func anotherMethodOnABedrockRouteIsNotAllowedAndKeepsTheRoute() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let target = "/bedrock/model/\(BedrockRoute.encodePathSegment(ProxyHarness.haiku))/converse-stream"
        for method in ["GET", "PUT", "DELETE"] {
            let refusal = try #require(subject.refusal(Self.request(method, target)), "\(method) is refused")
            let response = refusal.error.response()
            #expect(response.status == 405)
            #expect(response.headers["Allow"] == "POST")
            #expect(response.headers["x-amzn-ErrorType"] == "UnknownOperationException")
            #expect(refusal.route == BedrockRoute(prefix: "/bedrock", modelId: ProxyHarness.haiku, operation: .converseStream))
        }
    }

    @Test func anUnknownModeIsAValidationErrorNamingEveryMode() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let refusal = try #require(subject.refusal(Self.request(headers: [("x-tapedeck-mode", "rewind")])))
        #expect(refusal.error.status == 400)
        #expect(refusal.error.message.contains("\"rewind\""))
        for mode in ProxyMode.allCases { #expect(refusal.error.message.contains(mode.rawValue)) }
        #expect(refusal.route == Self.haikuRoute)
    }

    @Test func theModeHeaderPicksTheModeInAnyCase() throws {
        let subject = try Subject { $0.mode = .auto }
        defer { subject.scratch.remove() }
        #expect(subject.resolve(Self.request())?.mode == .auto)
        #expect(subject.resolve(Self.request(headers: [("x-tapedeck-mode", "RECORD")]))?.mode == .record)
        #expect(subject.resolve(Self.request(headers: [("X-Tapedeck-Mode", "passthrough")]))?.mode == .passthrough)
    }

    @Test func withoutAnUpstreamEveryRequestIsReplayedWhateverItAsks() throws {
        let subject = try Subject(hasUpstream: false) { $0.mode = .auto }
        defer { subject.scratch.remove() }
        for asked in [nil, "auto", "record", "passthrough", "replay"] {
            let headers = asked.map { [("x-tapedeck-mode", $0)] } ?? []
            #expect(subject.resolve(Self.request(headers: headers))?.mode == .replay, "asked for \(asked ?? "nothing")")
        }
    }

    @Test func aBodyThatIsNotAJSONObjectIsAValidationErrorThatKeepsTheRoute() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let cases = [(#"{"messages": ["#, "not valid JSON"), ("[1, 2]", "must be a JSON object"), ("", "not valid JSON")]
        for (body, reason) in cases {
            let refusal = try #require(subject.refusal(Self.request(body: body)), "\(body) is refused")
            #expect(refusal.error.status == 400)
            #expect(refusal.error.type == "ValidationException")
            #expect(refusal.error.message.contains(reason), "\(refusal.error.message)")
            #expect(refusal.route == Self.haikuRoute)
        }
    }

    @Test func aByteIdenticalRepeatIsKeyedFromTheMemoAndItsBodyStillParses() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let first = try #require(subject.resolve(Self.request()))
        let repeated = try #require(subject.resolve(Self.request()))
        let expected = try CacheKey.derive(modelId: ProxyHarness.haiku, body: JSONParser.parse(Array(ProxyHarness.helloBody.utf8)))

        #expect(first.parsed != nil, "the first sight of a body is parsed")
        #expect(repeated.parsed == nil, "a byte-identical repeat is not parsed again")
        #expect(first.key == expected)
        #expect(repeated.key == expected)
        #expect(sameJSON(try repeated.jsonBody(), try first.jsonBody()))

        // The memo is per model: the same bytes to another model are a different request.
        let other = try #require(subject.resolve(Self.request("POST", "/model/amazon.nova-lite-v1%3A0/converse")))
        #expect(other.parsed != nil)
        #expect(other.key != expected)
    }

    @Test func ignoredFieldsLeaveTheKeyAloneAndOthersDoNot() throws {
        let body = { (temperature: String, maxTokens: Int) in
            #"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}], "inferenceConfig": {"maxTokens": \#(maxTokens), "temperature": \#(temperature)}}"#
        }
        let ignoring = try Subject { $0.ignoreFields = ["inferenceConfig.temperature"] }
        let keeping = try Subject()
        defer {
            ignoring.scratch.remove()
            keeping.scratch.remove()
        }
        func key(_ subject: Subject, _ text: String) throws -> CacheKey {
            try #require(subject.resolve(Self.request(body: text))).key
        }
        #expect(try key(ignoring, body("0.7", 64)) == key(ignoring, body("0.2", 64)))
        #expect(try key(ignoring, body("0.7", 64)) != key(ignoring, body("0.7", 65)))
        #expect(try key(keeping, body("0.7", 64)) != key(keeping, body("0.2", 64)))
    }

    @Test func anInvalidNamespaceIsAValidationErrorThatKeepsTheRoute() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        for name in ["../escape", ".hidden", "team a", String(repeating: "n", count: Namespace.maxLength + 1)] {
            let refusal = try #require(subject.refusal(Self.request(headers: [("x-tapedeck-namespace", name)])), "\(name) is refused")
            #expect(refusal.error.status == 400)
            #expect(refusal.error.message.contains("x-tapedeck-namespace"))
            #expect(refusal.route == Self.haikuRoute)
        }
    }

    @Test func aNamespaceIsServedFromTheStoresViewOfIt() throws {
        let subject = try Subject { $0.namespace = "default-team" }
        defer { subject.scratch.remove() }
        let asked = try #require(subject.resolve(Self.request(headers: [("x-tapedeck-namespace", "team-a")])))
        #expect(asked.namespace == "team-a")
        #expect((asked.store as? JSONFileStore)?.directory == "\(subject.store.namespacesDirectory)/team-a")

        let configured = try #require(subject.resolve(Self.request()))
        #expect(configured.namespace == "default-team")
        #expect((configured.store as? JSONFileStore)?.directory == "\(subject.store.namespacesDirectory)/default-team")

        let shared = try #require(subject.resolve(Self.request(headers: [("x-tapedeck-namespace", "")])))
        #expect(shared.namespace == "")
        #expect((shared.store as? JSONFileStore)?.directory == subject.store.directory)
    }

    @Test func theScopeServesARequestThatNamesNeitherNamespaceNorModeAndHeadersStillWin() throws {
        let subject = try Subject { $0.mode = .auto }
        defer { subject.scratch.remove() }
        subject.scope.set(RequestScope.Value(namespace: "test_one", mode: .replay))
        let scoped = try #require(subject.resolve(Self.request()))
        #expect(scoped.namespace == "test_one")
        #expect(scoped.mode == .replay)
        #expect((scoped.store as? JSONFileStore)?.directory == "\(subject.store.namespacesDirectory)/test_one")

        let asked = try #require(subject.resolve(Self.request(headers: [("x-tapedeck-namespace", "other"), ("x-tapedeck-mode", "record")])))
        #expect(asked.namespace == "other")
        #expect(asked.mode == .record)

        subject.scope.set(subject.scope.defaults)
        let back = try #require(subject.resolve(Self.request()))
        #expect(back.namespace == "")
        #expect(back.mode == .auto)
    }

    @Test func aScopeThatAsksToRecordIsReplayedWithoutAnUpstream() throws {
        let subject = try Subject(hasUpstream: false) { $0.mode = .auto }
        defer { subject.scratch.remove() }
        subject.scope.set(RequestScope.Value(namespace: "t", mode: .record))
        #expect(subject.resolve(Self.request())?.mode == .replay)
    }

    @Test func repeatsInSequenceCountEachSessionAndPassthroughNever() throws {
        let subject = try Subject { $0.repeats = .sequence }
        defer { subject.scratch.remove() }
        func indices(_ count: Int, _ headers: [(String, String)]) -> [Int?] {
            (0..<count).map { _ in subject.resolve(Self.request(headers: headers))?.repeatIndex }
        }
        #expect(indices(3, [("x-tapedeck-session", "a")]) == [0, 1, 2])
        #expect(indices(2, [("x-tapedeck-session", "b")]) == [0, 1])
        #expect(indices(1, [("x-tapedeck-session", "a")]) == [3])
        #expect(indices(3, [("x-tapedeck-session", "a"), ("x-tapedeck-mode", "passthrough")]) == [0, 0, 0])

        let base = try #require(subject.resolve(Self.request(headers: [("x-tapedeck-session", "c")])))
        let next = try #require(subject.resolve(Self.request(headers: [("x-tapedeck-session", "c")])))
        #expect(base.key == base.baseKey)
        #expect(next.baseKey == base.baseKey)
        #expect(next.key == base.baseKey.repeated(1))
        #expect(next.key != base.key)
    }

    @Test func repeatsLastAlwaysAnswersTheFirstIndex() throws {
        let subject = try Subject()
        defer { subject.scratch.remove() }
        let indices = (0..<3).map { _ in subject.resolve(Self.request())?.repeatIndex }
        #expect(indices == [0, 0, 0])
    }
}
