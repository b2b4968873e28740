import Testing
@testable import TapedeckBedrock
import TapedeckTestSupport

@Suite struct ConverseRouteTests {
    private let haiku = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    private let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"

    @Test func matchesBoto3EncodedPaths() {
        #expect(ConverseRoute.parse(path: "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse")
            == .converse(ConverseRoute(prefix: "", modelId: haiku, operation: .converse)))
        let arnPath = "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream"
        #expect(ConverseRoute.parse(path: arnPath) == .converse(ConverseRoute(prefix: "", modelId: arn, operation: .converseStream)))
    }

    @Test func rawAndEncodedColonNameTheSameModel() {
        #expect(ConverseRoute.parse(path: "/model/\(haiku)/converse") == ConverseRoute.parse(path: "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3a0/converse"))
    }

    @Test(arguments: ConverseRoute.prefixes)
    func matchesEveryPrefixAndBothOperations(_ prefix: String) {
        for operation in [ConverseOperation.converse, .converseStream] {
            let route = ConverseRoute(prefix: prefix, modelId: haiku, operation: operation)
            #expect(ConverseRoute.parse(path: "\(prefix)/model/\(haiku)/\(operation.rawValue)") == .converse(route))
            #expect(ConverseRoute.parse(path: route.path) == .converse(route))
        }
    }

    @Test(arguments: [
        "", "/", "/model", "/model/", "/model/x", "/model/x/", "/model/x/converse/", "/model/x/invoke",
        "/model/x/converse-streams", "/model/x/Converse", "/Model/x/converse", "/foo/model/x/converse",
        "/bedrock/model/x/y/converse", "/bedrockx/model/x/converse", "model/x/converse", "/model/x/converse?a=1",
        "/bedrock", "/bedrock/", "//model/x/converse",
    ])
    func leavesOtherPathsAlone(_ path: String) {
        #expect(ConverseRoute.parse(path: path) == .notFound, "\(path)")
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
        #expect(ConverseRoute.parse(path: path) == .invalidModelId(reason))
    }

    @Test func capsModelIdLengthAfterDecoding() {
        let longest = String(repeating: "a", count: 2048)
        #expect(ConverseRoute.parse(path: "/model/\(longest)/converse")
            == .converse(ConverseRoute(prefix: "", modelId: longest, operation: .converse)))
        let encodedLongest = String(repeating: "%3A", count: 2048)
        #expect(ConverseRoute.parse(path: "/model/\(encodedLongest)/converse")
            == .converse(ConverseRoute(prefix: "", modelId: String(repeating: ":", count: 2048), operation: .converse)))
        #expect(ConverseRoute.parse(path: "/model/\(longest)a/converse") == .invalidModelId("model id longer than 2048 bytes"))
    }

    @Test func acceptsAnyByteCollection() {
        let path = "/litellm/model/m%C3%A9/converse"
        let expected = RouteMatch.converse(ConverseRoute(prefix: "/litellm", modelId: "mé", operation: .converse))
        #expect(ConverseRoute.parse(path: Array(path.utf8)) == expected)
        #expect(ConverseRoute.parse(path: Array(("GET " + path).utf8).dropFirst(4)) == expected)
        #expect(ConverseRoute.parse(path: path.utf8.lazy.map { $0 }) == expected)
    }

    @Test func encodesSegmentsLikeBoto3() {
        #expect(ConverseRoute.encodePathSegment(haiku) == "us.anthropic.claude-3-5-haiku-20241022-v1%3A0")
        #expect(ConverseRoute.encodePathSegment(arn)
            == "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0")
        #expect(ConverseRoute.encodePathSegment("AZaz09-._~") == "AZaz09-._~")
        #expect(ConverseRoute.encodePathSegment("a b+é%/😀") == "a%20b%2B%C3%A9%25%2F%F0%9F%98%80")
        #expect(ConverseRoute.encodePathSegment("") == "")
    }

    @Test func encodedIdsDecodeBackToThemselves() {
        var generator = ConverseFixtures.SeededGenerator(state: 3986)
        let pieces = ["a", "Z", "9", ":", "/", "%", " ", "é", "😀", "~", ".", "?", "#", "+"]
        for _ in 0..<500 {
            let id = (0..<Int.random(in: 1...20, using: &generator)).map { _ in
                pieces.randomElement(using: &generator) ?? "a"
            }.joined()
            let route = ConverseRoute(prefix: "/bedrock", modelId: id, operation: .converseStream)
            #expect(ConverseRoute.parse(path: route.path) == .converse(route), "\(id)")
        }
    }
}
