import Testing
@testable import TapedeckBedrock
import TapedeckTestSupport

@Suite struct BedrockRouteTests {
    private let haiku = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    private let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"

    @Test func matchesBoto3EncodedPaths() {
        #expect(BedrockRoute.parse(path: "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse")
            == .recorded(BedrockRoute(prefix: "", modelId: haiku, operation: .converse)))
        let arnPath = "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream"
        #expect(BedrockRoute.parse(path: arnPath) == .recorded(BedrockRoute(prefix: "", modelId: arn, operation: .converseStream)))
    }

    @Test func rawAndEncodedColonNameTheSameModel() {
        #expect(BedrockRoute.parse(path: "/model/\(haiku)/converse") == BedrockRoute.parse(path: "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3a0/converse"))
    }

    @Test(arguments: BedrockRoute.prefixes)
    func matchesEveryPrefixAndEveryModelOperation(_ prefix: String) {
        for operation in BedrockOperation.allCases where operation.modelSegment != nil {
            let route = BedrockRoute(prefix: prefix, modelId: haiku, operation: operation)
            #expect(BedrockRoute.parse(path: "\(prefix)/model/\(haiku)/\(operation.rawValue)") == .recorded(route))
            #expect(BedrockRoute.parse(path: route.path) == .recorded(route))
            #expect(route.upstreamPath == "/model/\(BedrockRoute.encodePathSegment(haiku))/\(operation.rawValue)")
        }
    }

    @Test(arguments: BedrockRoute.prefixes)
    func matchesApplyGuardrailWithIdentifierAndVersion(_ prefix: String) throws {
        let arnId = "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1abc"
        let route = BedrockRoute(prefix: prefix, guardrail: arnId, version: "DRAFT")
        #expect(route.modelId == "\(arnId)@DRAFT")
        #expect(route.path == "\(prefix)/guardrail/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aguardrail%2Fgr1abc/version/DRAFT/apply")
        #expect(BedrockRoute.parse(path: route.path) == .recorded(route))
        let guardrail = try #require(route.guardrail)
        #expect(guardrail.identifier == arnId && guardrail.version == "DRAFT")
        #expect(BedrockRoute.parse(path: "\(prefix)/guardrail/gr1/version/3/apply") == .recorded(BedrockRoute(prefix: prefix, guardrail: "gr1", version: "3")))
    }

    @Test func malformedGuardrailSegmentsAreRefusedAndOtherShapesPassThrough() {
        #expect(BedrockRoute.parse(path: "/guardrail//version/1/apply") == .invalidModelId("guardrail identifier: empty model id"))
        #expect(BedrockRoute.parse(path: "/guardrail/g/version/%ZZ/apply") == .invalidModelId("guardrail version: invalid percent-encoding at byte 0 of the model id"))
        #expect(BedrockRoute.parse(path: "/guardrail/g/version/1%402/apply") == .invalidModelId("guardrail version \"1@2\" contains @"))
        for path in ["/guardrail/g/version/1/apply/", "/guardrail/g/versions/1/apply", "/guardrail/g/version/1", "/guardrail-checks/invoke"] {
            #expect(BedrockRoute.parse(path: path) == .passThrough(PassThroughRoute(prefix: "", upstreamPath: path)), "\(path)")
        }
    }

    @Test func theBidirectionalStreamIsItsOwnMatch() {
        #expect(BedrockRoute.parse(path: "/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream") == .bidirectionalStream)
        #expect(BedrockRoute.parse(path: "/bedrock/model/x/invoke-with-bidirectional-stream") == .bidirectionalStream)
    }

    @Test(arguments: [
        "", "/", "/model", "/model/", "/model/x", "/model/x/", "/model/x/converse/", "/model/x/invoke-model",
        "/model/x/converse-streams", "/model/x/Converse", "/Model/x/converse", "/foo/model/x/converse",
        "/bedrockx/model/x/converse", "model/x/converse", "/model/x/converse?a=1",
        "/bedrock", "//model/x/converse", "/async-invoke", "/async-invoke/arn%3Ax", "/guardrail-checks/invoke",
    ])
    func passesOtherPathsThrough(_ path: String) {
        #expect(BedrockRoute.parse(path: path) == .passThrough(PassThroughRoute(prefix: "", upstreamPath: path)), "\(path)")
    }

    @Test func aPassThroughPathLosesItsBifrostPrefixOnly() {
        #expect(BedrockRoute.parse(path: "/bedrock/async-invoke") == .passThrough(PassThroughRoute(prefix: "/bedrock", upstreamPath: "/async-invoke")))
        #expect(BedrockRoute.parse(path: "/bedrock/") == .passThrough(PassThroughRoute(prefix: "/bedrock", upstreamPath: "/")))
        #expect(BedrockRoute.parse(path: "/bedrock/model/x/y/converse")
            == .passThrough(PassThroughRoute(prefix: "/bedrock", upstreamPath: "/model/x/y/converse")))
        #expect(BedrockRoute.parse(path: "/litellm/guardrail-checks/invoke")
            == .passThrough(PassThroughRoute(prefix: "/litellm", upstreamPath: "/guardrail-checks/invoke")))
    }

    @Test func passThroughRoutesAreNamedByMethodAsBotocoreNamesThem() {
        let named = { (method: String, path: String) in PassThroughRoute(prefix: "", upstreamPath: path).operationName(method: method) }
        #expect(named("POST", "/async-invoke") == "StartAsyncInvoke")
        #expect(named("GET", "/async-invoke") == "ListAsyncInvokes")
        #expect(named("GET", "/async-invoke/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aasync-invoke%2Fx") == "GetAsyncInvoke")
        #expect(named("POST", "/guardrail-checks/invoke") == "InvokeGuardrailChecks")
        #expect(named("DELETE", "/async-invoke") == nil)
        #expect(named("GET", "/async-invoke/a/b") == nil)
        #expect(named("GET", "/v1/models") == nil)
    }

    @Test(arguments: [
        ("/model//converse", "empty model id"),
        ("/model/%3/converse", "invalid percent-encoding at byte 0 of the model id"),
        ("/model/ab%zz/converse", "invalid percent-encoding at byte 2 of the model id"),
        ("/model/abc%/converse", "invalid percent-encoding at byte 3 of the model id"),
        ("/model/%FF/converse", "model id is not valid UTF-8"),
        ("/model/%C3/converse", "model id is not valid UTF-8"),
        ("/model/%ED%A0%80/converse", "model id is not valid UTF-8"),
        ("/model/%C0%AF/converse", "model id is not valid UTF-8"),
        ("/model/a%0Ab/converse", "control character in model id"),
        ("/bedrock/model/%00/converse-stream", "control character in model id"),
    ])
    func refusesMalformedModelIds(_ path: String, _ reason: String) {
        #expect(BedrockRoute.parse(path: path) == .invalidModelId(reason))
    }

    @Test func capsModelIdLengthAfterDecoding() {
        let longest = String(repeating: "a", count: 2048)
        #expect(BedrockRoute.parse(path: "/model/\(longest)/converse")
            == .recorded(BedrockRoute(prefix: "", modelId: longest, operation: .converse)))
        let encodedLongest = String(repeating: "%3A", count: 2048)
        #expect(BedrockRoute.parse(path: "/model/\(encodedLongest)/converse")
            == .recorded(BedrockRoute(prefix: "", modelId: String(repeating: ":", count: 2048), operation: .converse)))
        #expect(BedrockRoute.parse(path: "/model/\(longest)a/converse") == .invalidModelId("model id longer than 2048 bytes"))
    }

    @Test func acceptsAnyByteCollection() {
        let path = "/litellm/model/m%C3%A9/converse"
        let expected = RouteMatch.recorded(BedrockRoute(prefix: "/litellm", modelId: "mé", operation: .converse))
        #expect(BedrockRoute.parse(path: Array(path.utf8)) == expected)
        #expect(BedrockRoute.parse(path: Array(("GET " + path).utf8).dropFirst(4)) == expected)
        #expect(BedrockRoute.parse(path: path.utf8.lazy.map { $0 }) == expected)
    }

    @Test func encodesSegmentsLikeBoto3() {
        #expect(BedrockRoute.encodePathSegment(haiku) == "us.anthropic.claude-3-5-haiku-20241022-v1%3A0")
        #expect(BedrockRoute.encodePathSegment(arn)
            == "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0")
        #expect(BedrockRoute.encodePathSegment("AZaz09-._~") == "AZaz09-._~")
        #expect(BedrockRoute.encodePathSegment("a b+é%/😀") == "a%20b%2B%C3%A9%25%2F%F0%9F%98%80")
        #expect(BedrockRoute.encodePathSegment("") == "")
    }

    @Test func encodedIdsDecodeBackToThemselves() {
        var generator = ConverseFixtures.SeededGenerator(state: 3986)
        let pieces = ["a", "Z", "9", ":", "/", "%", " ", "é", "😀", "~", ".", "?", "#", "+"]
        for _ in 0..<500 {
            let id = (0..<Int.random(in: 1...20, using: &generator)).map { _ in
                pieces.randomElement(using: &generator) ?? "a"
            }.joined()
            let route = BedrockRoute(prefix: "/bedrock", modelId: id, operation: .converseStream)
            #expect(BedrockRoute.parse(path: route.path) == .recorded(route), "\(id)")
        }
    }
}
