import Foundation
import Testing
@testable import TapedeckCodec
@testable import TapedeckProxy
import TapedeckTestSupport

/// Test-suite workflows through a real server: repeated identical requests, miss diagnostics, strict mode's
/// unused list and cassette expiry.
@Suite struct ProxyEngineWorkflowTests {
    static func answerText(_ response: RawResponse) throws -> String? {
        try JSONParser.parse(response.body).at("output", "message")?["content"]?.arrayValue?.first?["text"]?.stringValue
    }

    @Test func sequenceRecordsThreeAnswersAndReplaysThemInOrder() throws {
        let proxy = try ProxyHarness(configure: { $0.repeats = .sequence })
        defer { proxy.stop() }
        let recorded = try (0..<3).map { _ in try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody) }
        #expect(try recorded.map(Self.answerText) == ["answer 1", "answer 2", "answer 3"])
        #expect(recorded.allSatisfy { $0.headers["x-tapedeck"] == "miss" })
        #expect(Set(recorded.compactMap { $0.headers["x-tapedeck-key"] }).count == 3, "each answer has its own cassette")
        #expect(proxy.storedFiles().count == 3)

        let reset = try proxy.request("POST", "/_tapedeck/session/reset")
        #expect(reset.status == 200)
        let replayHeaders = [("x-tapedeck-mode", "replay")]
        let replayed = try (0..<4).map { _ in try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: replayHeaders) }
        #expect(try replayed.map(Self.answerText) == ["answer 1", "answer 2", "answer 3", "answer 3"], "past the end the last answer repeats")
        #expect(replayed.allSatisfy { $0.headers["x-tapedeck"] == "hit" })
        #expect(proxy.origin.requests.count == 3)

        // A named session starts from the first answer without touching the default one.
        let named = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody,
                                   headers: replayHeaders + [("x-tapedeck-session", "test_login")])
        #expect(try Self.answerText(named) == "answer 1")
    }

    @Test func strictSequenceMissesPastTheEnd() throws {
        let proxy = try ProxyHarness(configure: { $0.repeats = .sequence })
        defer { proxy.stop() }
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        proxy.engine.sessions.reset(session: nil)
        let strict = try ProxyHarness(mode: .replay, upstream: .none, configure: { $0.repeats = .sequence; $0.strict = true })
        defer { strict.stop() }
        try strict.copyStore(of: proxy)
        #expect(try strict.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).status == 200)
        let second = try strict.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(second.status == 404)
        #expect(second.headers["x-amzn-ErrorType"] == "CassetteNotFoundException")
    }

    @Test func aReplayMissNamesTheNearestRecordingAndWhatDiffers() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let changed = ProxyHarness.helloBody.replacingOccurrences(of: "0.7", with: "0.2")
        let miss = try proxy.post(ProxyHarness.haikuPath, body: changed, headers: [("x-tapedeck-mode", "replay")])
        #expect(miss.status == 404)
        let message = try #require(miss.errorMessage)
        #expect(message.contains("Nearest recorded request:"))
        #expect(message.contains("temperature 0.7 → 0.2"))
    }

    @Test func aReplayMissNearALongRequestComparesItWhole() throws {
        // The index keeps long strings condensed; the message still compares against the whole recorded request.
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let image = String(repeating: "QUJD", count: 50_000)
        let document = String(repeating: "All work and no play makes Jack a dull boy. ", count: 200)
        func body(_ image: String, _ document: String) -> String {
            #"{"messages": [{"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": "\#(image)"}}}, "#
                + #"{"text": "\#(document)"}]}]}"#
        }
        #expect(try proxy.post(ProxyHarness.haikuPath, body: body(image, document)).status == 200)
        var edited = Array(document)
        edited[6_000] = "X"
        let miss = try proxy.post(ProxyHarness.haikuPath, body: body(image, String(edited)), headers: [("x-tapedeck-mode", "replay")])
        #expect(miss.status == 404)
        let message = try #require(miss.errorMessage)
        #expect(message.contains("Nearest recorded request:"))
        #expect(message.contains("differs at character 6001"), "\(message.prefix(600))")
        #expect(!message.contains("image"), "the image is the same: \(message.prefix(600))")
    }

    @Test func theUnusedListShowsCassettesNothingHitOrRecorded() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let other = ProxyHarness.helloBody.replacingOccurrences(of: "Hello", with: "Goodbye")
        let second = try proxy.post(ProxyHarness.haikuPath, body: other)
        let recorder = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/unused").body)
        #expect(recorder["count"]?.numberLiteral == "0", "a cassette this server recorded was used")

        // A later run over the same store that asks only the first request.
        let replayer = try ProxyHarness(mode: .replay, upstream: .none)
        defer { replayer.stop() }
        try replayer.copyStore(of: proxy)
        #expect(try replayer.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody).headers["x-tapedeck"] == "hit")
        let page = try JSONParser.parse(try replayer.request("GET", "/_tapedeck/unused").body)
        #expect(page["count"]?.numberLiteral == "1")
        #expect(page["unused"]?.arrayValue?.first?["key"]?.stringValue == second.headers["x-tapedeck-key"])
        #expect(first.headers["x-tapedeck-key"] != second.headers["x-tapedeck-key"])
    }


    static func ageCassette(_ proxy: ProxyHarness, key: String) throws {
        let path = proxy.cassettePath(forKey: key)
        let text = String(decoding: proxy.fileBytes(path) ?? [], as: UTF8.self)
        let old = text.replacingOccurrences(of: #""recordedAt": "[^"]+""#, with: #""recordedAt": "2020-01-01T00:00:00Z""#, options: .regularExpression)
        try proxy.writeFile(path, Array(old.utf8))
    }

    @Test(arguments: [ExpiredPolicy.replay, .warn, .rerecord])
    func expiredCassettesFollowThePolicy(_ policy: ExpiredPolicy) throws {
        let proxy = try ProxyHarness(configure: { $0.maxAgeSeconds = 30 * 86_400; $0.onExpired = policy })
        defer { proxy.stop() }
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        try Self.ageCassette(proxy, key: try #require(recorded.headers["x-tapedeck-key"]))
        let answer = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        switch policy {
        case .replay:
            #expect(answer.headers["x-tapedeck"] == "hit")
            #expect(answer.headers["x-tapedeck-expired"] == nil)
        case .warn:
            #expect(answer.headers["x-tapedeck"] == "hit")
            #expect(answer.headers["x-tapedeck-expired"] == "true")
        case .rerecord:
            #expect(answer.headers["x-tapedeck"] == "miss")
            #expect(try Self.answerText(answer) == "answer 2")
            #expect(proxy.origin.requests.count == 2)
            let again = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
            #expect(again.headers["x-tapedeck"] == "hit", "the new recording is fresh")
        }
    }
}

/// Namespaces through the proxy: each test's cassettes apart, traversal refused, fallback only when asked.
@Suite struct ProxyEngineNamespaceTests {
    static func allFiles(under root: String) -> Set<String> {
        var files: Set<String> = []
        guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
        while let name = walker.nextObject() as? String { files.insert(name) }
        return files
    }

    @Test func eachNamespaceRecordsAndReplaysItsOwnAnswer() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let a = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-namespace", "test_a")])
        let b = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-namespace", "test_b")])
        #expect(a.headers["x-tapedeck"] == "miss" && b.headers["x-tapedeck"] == "miss")
        let againA = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-namespace", "test_a")])
        #expect(againA.headers["x-tapedeck"] == "hit")
        #expect(try ProxyEngineWorkflowTests.answerText(againA) == "answer 1")
        #expect(proxy.origin.requests.count == 2)
        #expect(try proxy.store.namespaces() == ["test_a", "test_b"])
        #expect(try proxy.store.count() == 0, "nothing landed in the shared namespace")
        let shared = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", "replay")])
        #expect(shared.status == 404)
    }

    @Test(arguments: ["..", ".", "../escape", "a/b", "/etc", "a\\b", ".hidden", String(repeating: "n", count: 129), "a b", "caf%C3%A9"])
    func namesThatCouldEscapeTheStoreAre400(_ name: String) throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-namespace", name)])
        #expect(response.status == 400)
        #expect(response.headers["x-amzn-ErrorType"] == "ValidationException")
        #expect(proxy.origin.requests.isEmpty)
        #expect(proxy.storedFiles().isEmpty)
        // Any escape from DIR/namespaces/<name> by ".." would land inside the harness's own directory: it stays empty.
        #expect(Self.allFiles(under: proxy.directory).isEmpty)
    }

    @Test func theSharedNamespaceIsAFallbackOnlyWhenAsked() throws {
        for fallback in [false, true] {
            let proxy = try ProxyHarness(configure: { $0.namespaceFallback = fallback })
            defer { proxy.stop() }
            _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
            let response = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody,
                                          headers: [("x-tapedeck-namespace", "test_c"), ("x-tapedeck-mode", "replay")])
            #expect(response.status == (fallback ? 200 : 404))
        }
    }

    @Test func aSharedCassetteServedByFallbackIsUsed() throws {
        let recorder = try ProxyHarness()
        defer { recorder.stop() }
        _ = try recorder.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let proxy = try ProxyHarness(mode: .replay, upstream: .none, configure: { $0.namespaceFallback = true })
        defer { proxy.stop() }
        try proxy.copyStore(of: recorder)
        let before = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/unused").body)
        #expect(before["count"]?.numberLiteral == "1")
        let fallback = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody,
                                      headers: [("x-tapedeck-namespace", "test_c"), ("x-tapedeck-mode", "replay")])
        #expect(fallback.headers["x-tapedeck"] == "hit")
        // The fallback hit is a use of the shared cassette.
        let page = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/unused").body)
        #expect(page["count"]?.numberLiteral == "0", "\(page)")
    }
}
