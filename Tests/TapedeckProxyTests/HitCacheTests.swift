import Foundation
import Testing
@testable import TapedeckHTTP
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// Rendered answers are reused only while the cassette is unchanged; byte-identical bodies reuse their key.
@Suite struct HitCacheTests {
    @Test func anEditedCassetteIsServedAsEditedAtOnce() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let first = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let second = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(first.body == second.body)
        let path = proxy.cassettePath(forKey: try #require(recorded.headers["x-tapedeck-key"]))
        let text = String(decoding: proxy.fileBytes(path) ?? [], as: UTF8.self)
        #expect(text.contains("answer 1"))
        try proxy.writeFile(path, Array(text.replacingOccurrences(of: "answer 1", with: "edited by hand").utf8))
        let edited = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        #expect(edited.text.contains("edited by hand"))
        try FileManager.default.removeItem(atPath: path)
        let gone = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody, headers: [("x-tapedeck-mode", "replay")])
        #expect(gone.status == 404, "a removed cassette is not served from memory")
    }

    /// A hit answered from memory sends its prebuilt bytes: the same answer and headers as the first rendering,
    /// while a HEAD and an HTTP/1.0 request get theirs written afresh.
    @Test func aPrebuiltHitIsTheSameAnswerAsARenderedOne() throws {
        let stats = ProxyStats()
        let proxy = try ProxyHarness(stats: stats)
        defer { proxy.stop() }
        let recorded = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let hits = try (0..<3).map { _ in try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody) }
        for hit in hits {
            #expect(hit.status == 200 && hit.body == hits[0].body)
            #expect(hit.headers.fields == hits[0].headers.fields)
            #expect(hit.headers["x-tapedeck"] == "hit" && hit.headers["x-tapedeck-key"] == recorded.headers["x-tapedeck-key"])
            #expect(hit.headers["x-tapedeck-served-as"] != nil)
            #expect(hit.headers.values("x-tapedeck").count == 1 && hit.headers["Content-Length"] == "\(hit.body.count)")
        }
        #expect(stats.snapshot().requests[.hit] == 3)
    }

    @Test func plansAreKeptPerVersionAndOperation() throws {
        let cache = HitCache(maxBytes: 1 << 20)
        let key = CassetteFixtures.cassette().key
        let rendered = RenderedAnswer(shape: .converse(HTTPResponse(status: 200, body: [1, 2, 3]), .recorded),
                                 cassetteKey: key, recordedAt: "2026-01-01T00:00:00Z", saved: nil)
        cache.keep(rendered, namespace: "", key: key, operation: .converse, version: CassetteVersion([1]))
        #expect(cache.answer(namespace: "", key: key, operation: .converse, version: CassetteVersion([1])) != nil)
        #expect(cache.answer(namespace: "", key: key, operation: .converse, version: CassetteVersion([2])) == nil)
        #expect(cache.answer(namespace: "", key: key, operation: .converseStream, version: CassetteVersion([1])) == nil)
        #expect(cache.answer(namespace: "other", key: key, operation: .converse, version: CassetteVersion([1])) == nil)
    }

    @Test func theMemoAnswersOnlyForTheSameModelAndBytes() {
        let memo = RequestMemo(capacity: 2)
        let key = CassetteFixtures.cassette().key
        let body = Array(#"{"messages":[]}"#.utf8)
        memo.remember(key, model: "m", body: body)
        #expect(memo.key(model: "m", body: body) == key)
        #expect(memo.key(model: "other", body: body) == nil)
        #expect(memo.key(model: "m", body: body + [0x20]) == nil)
        var changed = body
        changed[3] = UInt8(ascii: "X")
        #expect(memo.key(model: "m", body: changed) == nil)
        memo.remember(key, model: "a", body: body)
        memo.remember(key, model: "b", body: body)
        #expect(memo.key(model: "m", body: body) == nil, "a full memo starts over")

        let small = RequestMemo(capacity: 100, maxBytes: 1000)
        let big = [UInt8](repeating: 0x61, count: 400)
        small.remember(key, model: "m", body: big)
        #expect(small.key(model: "m", body: big) == key, "a large body is remembered within the byte budget")
        small.remember(key, model: "n", body: big)
        small.remember(key, model: "o", body: big)
        #expect(small.key(model: "m", body: big) == nil, "over the byte budget it starts over")
        let huge = [UInt8](repeating: 0x62, count: 600)
        small.remember(key, model: "m", body: huge)
        #expect(small.key(model: "m", body: huge) == nil, "a body over half the budget is never kept")
    }
}
