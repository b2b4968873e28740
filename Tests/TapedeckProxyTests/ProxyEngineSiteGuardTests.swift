import Testing
@testable import TapedeckProxy
import TapedeckTestSupport

/// The engine refuses a web page's requests before anything happens: nothing reaches upstream or the store, and
/// the answer is a Bedrock error; a Bedrock client's and Tapedeck's own page's requests are answered as before.
@Suite struct ProxyEngineSiteGuardTests {
    /// Sends `head` (without Content-Length) and `body` as one raw HTTP/1.1 request on a fresh connection.
    private func raw(_ proxy: ProxyHarness, _ head: String, body: String = "") throws -> RawResponse {
        let client = try RawClient(port: proxy.port)
        try client.send(Array("\(head)Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        let response = try #require(try client.readResponse())
        proxy.engine.finishRecordings()
        return response
    }

    @Test func aDNSRebindingPageReadsNothing() throws {
        let proxy = try ProxyHarness(mode: .auto)
        defer { proxy.stop() }
        #expect(try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).status == 200)
        for path in ["/_tapedeck/api/cassettes", "/_tapedeck/health", "/_tapedeck/stats", "/metrics", "/_tapedeck/"] {
            let response = try raw(proxy, "GET \(path) HTTP/1.1\r\nHost: attacker.example:\(proxy.port)\r\nOrigin: http://attacker.example:\(proxy.port)\r\n")
            #expect(response.status == 403, "\(path)")
            #expect(response.headers["x-amzn-ErrorType"] == "AccessDeniedException")
            #expect(!response.text.contains("Hello"), "no recorded prompt leaves")
        }
        let converse = try raw(proxy, "POST \(ProxyHarness.haikuPath) HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: application/json\r\n",
                               body: #"{"messages": [{"role": "user", "content": [{"text": "Other"}]}]}"#)
        #expect(converse.status == 403)
        #expect(proxy.origin.requests.count == 1, "the rebinding page's Converse never went upstream")
    }

    @Test func aCrossSiteFormPostIsRefusedBeforeUpstream() throws {
        let proxy = try ProxyHarness(mode: .auto)
        defer { proxy.stop() }
        // A page at another origin: an HTML form or fetch(…, {mode: "no-cors"}) posting text/plain.
        let fromPage = try raw(proxy, "POST \(ProxyHarness.haikuPath) HTTP/1.1\r\nHost: 127.0.0.1:\(proxy.port)\r\n"
                               + "Origin: http://attacker.example\r\nSec-Fetch-Site: cross-site\r\nContent-Type: text/plain\r\n",
                               body: ProxyHarness.helloBody)
        #expect(fromPage.status == 403)
        // The same post from an old browser that sends neither Origin nor Fetch Metadata: its body type gives it away.
        let plain = try raw(proxy, "POST \(ProxyHarness.haikuPath) HTTP/1.1\r\nHost: 127.0.0.1:\(proxy.port)\r\nContent-Type: text/plain\r\n",
                            body: ProxyHarness.helloBody)
        #expect(plain.status == 415)
        #expect(plain.headers["x-amzn-ErrorType"] == "ValidationException")
        #expect(plain.errorMessage?.contains("Content-Type: application/json") == true)
        let form = try raw(proxy, "POST /model/amazon.titan-embed-text-v2%3A0/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           + "Content-Type: application/x-www-form-urlencoded\r\n", body: "inputText=hi")
        #expect(form.status == 415)
        let passThrough = try raw(proxy, "POST /async-invoke HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n", body: "{}")
        #expect(passThrough.status == 415)
        #expect(proxy.origin.requests.isEmpty, "no refused request reached upstream")
        #expect(proxy.storedFiles().isEmpty)
        let reset = try raw(proxy, "POST /_tapedeck/session/reset HTTP/1.1\r\nHost: 127.0.0.1:\(proxy.port)\r\nOrigin: http://attacker.example\r\n")
        #expect(reset.status == 403)
    }

    @Test func aSignedTextBodyAndTheServersOwnOriginAreAnswered() throws {
        let proxy = try ProxyHarness(mode: .auto)
        defer { proxy.stop() }
        let signed = try raw(proxy, "POST \(ProxyHarness.haikuPath) HTTP/1.1\r\nHost: 127.0.0.1:\(proxy.port)\r\nContent-Type: text/plain\r\n"
                             + "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261205/us-east-1/bedrock/aws4_request\r\n"
                             + "X-Amz-Date: 20261205T000000Z\r\n", body: ProxyHarness.helloBody)
        #expect(signed.status == 200)
        let own = "http://127.0.0.1:\(proxy.port)"
        let page = try raw(proxy, "GET /_tapedeck/api/cassettes HTTP/1.1\r\nHost: 127.0.0.1:\(proxy.port)\r\nOrigin: \(own)\r\nSec-Fetch-Site: same-origin\r\n")
        #expect(page.status == 200)
        let reset = try raw(proxy, "POST /_tapedeck/session/reset HTTP/1.1\r\nHost: 127.0.0.1:\(proxy.port)\r\nOrigin: \(own)\r\n")
        #expect(reset.status == 200)
    }

    @Test func anAllowedHostIsAnswered() throws {
        let proxy = try ProxyHarness(mode: .auto, configure: { $0.siteGuard = .loopback(extra: ["host.docker.internal"]) })
        defer { proxy.stop() }
        let response = try raw(proxy, "GET /_tapedeck/health HTTP/1.1\r\nHost: host.docker.internal:\(proxy.port)\r\n")
        #expect(response.status == 200)
    }
}
