import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckProxy
import TapedeckTestSupport

/// `/_tapedeck/scope` through a real server: the namespace and mode a test runner sets for the requests that name
/// neither.
@Suite struct ProxyEngineScopeTests {
    static func setScope(_ proxy: ProxyHarness, _ body: String) throws -> (status: Int, json: JSONValue?) {
        let response = try proxy.post("/_tapedeck/scope", body: body)
        return (response.status, try? JSONParser.parse(response.body))
    }

    @Test func aScopeRecordsEachTestIntoItsOwnNamespaceAndOnceReplaysWhatATestHas() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let first = try Self.setScope(proxy, #"{"namespace": "test_one", "mode": "once"}"#)
        #expect(first.status == 200)
        #expect(first.json?["mode"]?.stringValue == "auto", "a namespace with no cassettes records")
        #expect(first.json?["cassettes"] == .number("0"))
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(recorded.headers["x-tapedeck"] == "miss")
        #expect(proxy.storedFiles().allSatisfy { $0.contains("/namespaces/test_one/") })

        // The same request in another test's namespace is that test's own cassette.
        let second = try Self.setScope(proxy, #"{"namespace": "test_two", "mode": "once"}"#)
        #expect(second.json?["mode"]?.stringValue == "auto")
        #expect(try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).headers["x-tapedeck"] == "miss")
        #expect(proxy.origin.requests.count == 2)
        #expect(proxy.storedFiles().filter { $0.contains("/namespaces/test_two/") }.count == 1)

        // Run again, `once` replays a namespace that has cassettes, and a new request there is a miss, not a recording.
        let again = try Self.setScope(proxy, #"{"namespace": "test_one", "mode": "once"}"#)
        #expect(again.json?["mode"]?.stringValue == "replay")
        #expect(again.json?["cassettes"] == .number("1"))
        #expect(try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).headers["x-tapedeck"] == "hit")
        let changed = ProxyHarness.helloBody.replacingOccurrences(of: "0.7", with: "0.2")
        let miss = try proxy.post(ProxyHarness.haikuPath, body: changed)
        #expect(miss.status == 404)
        #expect(miss.headers["x-amzn-ErrorType"] == "CassetteNotFoundException")
        let key = String(try #require(recorded.headers["x-tapedeck-key"]).prefix(12))
        #expect(try #require(miss.errorMessage).contains("(tapedeck show \(key) --namespace test_one)"), "the key is in test_two too")
        #expect(proxy.origin.requests.count == 2)

        let current = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/scope").body)
        #expect(current["namespace"]?.stringValue == "test_one")
        #expect(current["mode"]?.stringValue == "replay")
    }

    @Test func anEmptyScopeGoesBackToTheServersOwnNamespaceAndMode() throws {
        let proxy = try ProxyHarness(configure: { $0.namespace = "team" })
        defer { proxy.stop() }
        _ = try Self.setScope(proxy, #"{"namespace": "test_one", "mode": "replay"}"#)
        let back = try Self.setScope(proxy, "{}")
        #expect(back.json?["namespace"]?.stringValue == "team")
        #expect(back.json?["mode"]?.stringValue == "auto")
        #expect(try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).headers["x-tapedeck"] == "miss")
        #expect(proxy.storedFiles().allSatisfy { $0.contains("/namespaces/team/") })
        let shared = try Self.setScope(proxy, #"{"namespace": ""}"#)
        #expect(shared.json?["namespace"]?.stringValue == "")
    }

    @Test func aReplayMissSaysWhatTheScopesRunnerAsksToRecordIt() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let hint = "run pytest with --tapedeck-record-mode=new_episodes"
        _ = try Self.setScope(proxy, #"{"namespace": "t", "mode": "replay", "recordHint": "\#(hint)"}"#)
        let miss = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(miss.status == 404)
        let message = try #require(miss.errorMessage)
        #expect(message.hasSuffix("To record it: \(hint)"), "\(message)")
        #expect(!message.contains("tapedeck serve"))
        _ = try Self.setScope(proxy, #"{"namespace": "t", "mode": "replay"}"#)
        #expect(try #require(try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).errorMessage).contains("tapedeck serve --store"))
    }

    @Test func headersStillChooseOverTheScope() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        _ = try Self.setScope(proxy, #"{"namespace": "test_one", "mode": "replay"}"#)
        let asked = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody,
                                   headers: [("x-tapedeck-namespace", "mine"), ("x-tapedeck-mode", "auto")])
        #expect(asked.headers["x-tapedeck"] == "miss")
        #expect(proxy.storedFiles().allSatisfy { $0.contains("/namespaces/mine/") })
    }

    @Test func settingAScopeStartsTheSequenceAgain() throws {
        let proxy = try ProxyHarness(configure: { $0.repeats = .sequence })
        defer { proxy.stop() }
        _ = try Self.setScope(proxy, #"{"namespace": "test_one", "mode": "auto"}"#)
        let keys = try (0..<2).map { _ in try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).headers["x-tapedeck-key"] }
        #expect(keys[0] != keys[1])
        _ = try Self.setScope(proxy, #"{"namespace": "test_one", "mode": "replay"}"#)
        let replayed = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(replayed.headers["x-tapedeck"] == "hit")
        #expect(replayed.headers["x-tapedeck-key"] == keys[0], "the first answer again, not the third")
    }

    @Test func aBadScopeIsAValidationErrorAndChangesNothing() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let bad = [
            ("not json", "must be a JSON object"),
            ("[1]", "must be a JSON object"),
            (#"{"namespace": "../etc"}"#, "invalid scope namespace"),
            (#"{"namespace": 7}"#, "namespace must be a string"),
            (#"{"mode": "rewind"}"#, "once"),
            (#"{"record_mode": "none"}"#, "unknown scope member"),
            (#"{"recordHint": "line\nbreak"}"#, "without control characters"),
            (#"{"recordHint": ""}"#, "recordHint must be"),
            ("{\"namespace\": \"\(String(repeating: "a", count: 5000))\"}", "at most 4096 bytes"),
        ]
        for (body, says) in bad {
            let response = try proxy.post("/_tapedeck/scope", body: body)
            #expect(response.status == 400, "\(body.prefix(40))")
            #expect(response.headers["x-amzn-ErrorType"] == "ValidationException")
            let message = (try? JSONParser.parse(response.body))?["message"]?.stringValue ?? ""
            #expect(message.contains(says), "\(message)")
        }
        let page = try proxy.request("POST", "/_tapedeck/scope", headers: [("Content-Type", "text/plain")],
                                     body: Array(#"{"namespace": "x"}"#.utf8))
        #expect(page.status == 415, "a body a web page could post is refused")
        #expect(try proxy.request("PUT", "/_tapedeck/scope").status == 405)
        let current = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/scope").body)
        #expect(current["namespace"]?.stringValue == "")
        #expect(current["mode"]?.stringValue == "auto")
    }

    @Test func withoutAnUpstreamAScopeIsAlwaysReplayed() throws {
        let proxy = try ProxyHarness(mode: .replay, upstream: .none)
        defer { proxy.stop() }
        #expect(try Self.setScope(proxy, #"{"namespace": "t", "mode": "record"}"#).json?["mode"]?.stringValue == "replay")
    }

    @Test func theUnusedPageNamesEachCassettesNamespaceAndARecordingCountsAsUsed() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        _ = try Self.setScope(proxy, #"{"namespace": "test_one", "mode": "auto"}"#)
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let recorder = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/unused").body)
        #expect(recorder["count"] == .number("0"), "what this server recorded was used")
        let restarted = try ProxyHarness(mode: .replay, upstream: .none)
        defer { restarted.stop() }
        try restarted.copyStore(of: proxy)
        let page = try JSONParser.parse(try restarted.request("GET", "/_tapedeck/unused").body)
        #expect(page["count"] == .number("1"))
        #expect(page["unused"]?.arrayValue?.first?["namespace"]?.stringValue == "test_one")
    }
}
