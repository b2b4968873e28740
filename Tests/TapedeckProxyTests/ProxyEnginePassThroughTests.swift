import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckHTTP
@testable import TapedeckUpstream
@testable import TapedeckProxy
import TapedeckTestSupport

/// The rest of Bedrock Runtime through a real server and libcurl: forwarded unchanged, answered unchanged, never
/// recorded; refused by name where nothing may reach the network.
@Suite struct ProxyEnginePassThroughTests {
    private static let arn = "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aasync-invoke%2Fabc123"

    private static func origin(_ body: String = #"{"asyncInvokeSummaries":[]}"#, status: Int = 200) -> TestOrigin.Handler {
        { _ in .response(status: status, headers: [("Content-Type", "application/json"), ("x-amzn-RequestId", "origin-7")], body: Array(body.utf8)) }
    }

    @Test func aGetWithAQueryIsForwardedUnchangedWithoutItsBifrostPrefix() throws {
        let proxy = try ProxyHarness(origin: Self.origin())
        defer { proxy.stop() }
        for _ in 0..<2 {
            let response = try proxy.request("GET", "/bedrock/async-invoke?maxResults=2&statusEquals=Completed", headers: [("X-Client", "kept")])
            #expect(response.status == 200)
            #expect(response.text == #"{"asyncInvokeSummaries":[]}"#)
            #expect(response.headers["x-tapedeck"] == "passthrough")
            #expect(response.headers["x-tapedeck-key"] == nil)
            #expect(response.headers["x-amzn-RequestId"] == "origin-7")
        }
        #expect(proxy.origin.requests.count == 2, "never answered from a cassette")
        let sent = try #require(proxy.origin.requests.first)
        #expect(sent.method == "GET")
        #expect(sent.path == "/async-invoke?maxResults=2&statusEquals=Completed")
        #expect(sent.header("X-Client") == "kept")
        #expect(sent.body.isEmpty)
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func aPostAndAnErrorComeBackAsUpstreamSentThem() throws {
        let proxy = try ProxyHarness(origin: Self.origin(#"{"message":"no such invocation"}"#, status: 404))
        defer { proxy.stop() }
        let body = #"{"modelId": "amazon.nova-reel-v1:0", "modelInput": {}, "outputDataConfig": {}}"#
        let start = try proxy.post("/async-invoke", body: body, headers: [("Content-Type", "application/json")])
        #expect(start.status == 404)
        #expect(start.text == #"{"message":"no such invocation"}"#)
        #expect(start.headers["x-tapedeck"] == "passthrough")
        let get = try proxy.request("GET", "/async-invoke/\(Self.arn)")
        #expect(get.status == 404)
        let sent = proxy.origin.requests
        #expect(sent.map(\.method) == ["POST", "GET"])
        #expect(sent.map(\.path) == ["/async-invoke", "/async-invoke/\(Self.arn)"])
        #expect(sent[0].body == Array(body.utf8))
        #expect(proxy.storedFiles().isEmpty)
    }

    @Test func aRouteThatIsNeverRecordedIsRefusedByNameInReplay() throws {
        let proxy = try ProxyHarness(mode: .replay, origin: Self.origin())
        defer { proxy.stop() }
        let response = try proxy.request("GET", "/async-invoke/\(Self.arn)")
        #expect(response.status == 404)
        #expect(response.headers["x-amzn-ErrorType"] == "UnknownOperationException")
        #expect(response.errorMessage?.contains("GetAsyncInvoke") == true, "\(response.errorMessage ?? "")")
        #expect(response.errorMessage?.contains("never recorded") == true)
        #expect(proxy.origin.requests.isEmpty)
    }

    @Test func aPassedThroughGetIsSignedAsAGetWithItsQuery() throws {
        let credentials = AWSCredentials(accessKeyId: "AKIDTAPEDECK", secretAccessKey: "never-in-a-cassette", sessionToken: nil)
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
        let proxy = try ProxyHarness(configure: { $0.upstreamAuth = .sigV4(signer) }, origin: Self.origin())
        defer { proxy.stop() }
        _ = try proxy.request("GET", "/async-invoke?maxResults=2", headers: [("Authorization", "Bearer client")])
        let sent = try #require(proxy.origin.requests.first)
        let authorization = try #require(sent.header("Authorization"))
        let amzDate = try #require(sent.header("X-Amz-Date"))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let date = Int(try #require(formatter.date(from: amzDate)).timeIntervalSince1970)
        let url = "\(proxy.origin.baseURL)/async-invoke?maxResults=2"
        let expected = try signer.sign(method: "GET", url: url, headers: HTTPHeaders(), body: [], date: date)
        #expect(authorization == expected["Authorization"], "signed as GET over the path and query upstream sees")
    }
}
