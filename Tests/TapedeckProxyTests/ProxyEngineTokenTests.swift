import Testing
@testable import TapedeckProxy
import TapedeckTestSupport

/// `--auth-token`: every request but `GET`/`HEAD /_tapedeck/health` must carry `x-tapedeck-token`.
@Suite struct ProxyEngineTokenTests {
    static let token = "s3cret-token-0123456789"

    private func withProxy(_ body: (ProxyHarness) throws -> Void) throws {
        let proxy = try ProxyHarness(mode: .auto, configure: { $0.authToken = Self.token })
        defer { proxy.stop() }
        try body(proxy)
    }

    /// Whether `response` is the refusal botocore raises as `AccessDeniedException`, not repeating `sent`.
    private func isRefusal(_ response: RawResponse, sent: String? = nil) -> Bool {
        let ok = response.status == 403 && response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
            && response.errorMessage != nil
        if let sent, response.text.contains(sent) { return false }
        return ok && !response.text.contains(Self.token)
    }

    @Test func converseNeedsTheRightToken() throws {
        try withProxy { proxy in
            let missing = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
            #expect(isRefusal(missing))
            #expect(missing.errorMessage?.contains("x-tapedeck-token") == true)
            let sameLength = String(Self.token.reversed())
            #expect(sameLength.utf8.count == Self.token.utf8.count)
            let oneOff = String(Self.token.dropLast()) + "X"
            for wrong in [sameLength, oneOff, "short", Self.token + "-longer", String(Self.token.dropLast()), ""] {
                let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-token", wrong)])
                #expect(isRefusal(response, sent: wrong.isEmpty ? nil : wrong), "\(wrong)")
            }
            let twice = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody,
                                       headers: [("x-tapedeck-token", Self.token), ("x-tapedeck-token", Self.token)])
            #expect(isRefusal(twice))
            #expect(proxy.origin.requests.isEmpty, "a refused request never reaches upstream")
            #expect(proxy.storedFiles().isEmpty)

            let right = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("X-Tapedeck-Token", Self.token)])
            #expect(right.status == 200)
            #expect(right.headers["x-tapedeck"] == "miss")
            let hit = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-token", Self.token)])
            #expect(hit.status == 200)
            #expect(hit.headers["x-tapedeck"] == "hit")
        }
    }

    @Test func theTokenIsNotForwardedUpstream() throws {
        try withProxy { proxy in
            let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody,
                                          headers: [("x-tapedeck-token", Self.token), ("x-tapedeck-mode", "passthrough")])
            #expect(response.status == 200)
            let requests = proxy.origin.requests
            #expect(requests.count == 1)
            for request in requests {
                #expect(request.header("x-tapedeck-token") == nil)
                #expect(!request.headers.contains { $0.value.contains(Self.token) })
                #expect(!request.bodyText.contains(Self.token))
            }
            for file in proxy.storedFiles() {
                #expect(!String(decoding: proxy.fileBytes(file) ?? [], as: UTF8.self).contains(Self.token))
            }
        }
    }

    @Test func adminPagesNeedTheTokenButHealthDoesNot() throws {
        try withProxy { proxy in
            for path in ["/_tapedeck/stats", "/_tapedeck/unused", "/metrics"] {
                #expect(isRefusal(try proxy.request("GET", path)), "\(path)")
                #expect(isRefusal(try proxy.request("GET", path, headers: [("x-tapedeck-token", "wrong-token-0123456789")])), "\(path)")
                #expect(try proxy.request("GET", path, headers: [("x-tapedeck-token", Self.token)]).status == 200, "\(path)")
            }
            let health = try proxy.request("GET", "/_tapedeck/health")
            #expect(health.status == 200)
            #expect(try health.json["status"]?.stringValue == "ok")
            #expect(try proxy.request("GET", "/_tapedeck/health?probe=1").status == 200)
            #expect(isRefusal(try proxy.request("POST", "/_tapedeck/health")), "only GET and HEAD of health are open")
            #expect(isRefusal(try proxy.request("GET", "/nowhere")), "unknown paths do not reveal the routes")
        }
    }

    @Test func sessionResetNeedsTheToken() throws {
        try withProxy { proxy in
            #expect(isRefusal(try proxy.request("POST", "/_tapedeck/session/reset")))
            #expect(isRefusal(try proxy.request("POST", "/_tapedeck/session/reset", headers: [("x-tapedeck-token", "nope")]), sent: "nope"))
            let reset = try proxy.request("POST", "/_tapedeck/session/reset", headers: [("x-tapedeck-token", Self.token)])
            #expect(reset.status == 200)
        }
    }

    @Test func withoutATokenNothingIsAsked() throws {
        let proxy = try ProxyHarness(mode: .auto)
        defer { proxy.stop() }
        #expect(try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).status == 200)
        #expect(try proxy.request("GET", "/_tapedeck/stats").status == 200)
    }

    @Test func constantTimeEqualComparesWholeArrays() {
        #expect(ProxyEngine.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ProxyEngine.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ProxyEngine.constantTimeEqual(Array("abc".utf8), Array("xbc".utf8)))
        #expect(!ProxyEngine.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ProxyEngine.constantTimeEqual(Array("abc".utf8), []))
        #expect(ProxyEngine.constantTimeEqual([], []))
    }
}
