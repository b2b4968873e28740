import Glibc
import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport
@testable import TapedeckBedrock

/// `/_tapedeck/stats` and `/metrics` while serving, and hit counts reaching the store.
@Suite struct ProxyEngineStatsTests {
    @Test func statsShowMissesHitsAndTokensServedFromCassettes() throws {
        let proxy = try ProxyHarness()
        defer { proxy.stop() }
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let page = try proxy.request("GET", "/_tapedeck/stats")
        #expect(page.status == 200)
        let stats = try JSONParser.parse(page.body)
        #expect(stats["hits"]?.numberLiteral == "2")
        #expect(stats["misses"]?.numberLiteral == "1")
        let model = try #require(stats["models"]?[ProxyHarness.haiku])
        // BedrockOrigin's usage: 12 input, 3 output tokens per answer.
        #expect(model["tokensSaved"]?["input"]?.numberLiteral == "24")
        #expect(model["tokensSaved"]?["output"]?.numberLiteral == "6")

        let metrics = try proxy.request("GET", "/metrics")
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.text.contains("tapedeck_requests_total{outcome=\"hit\"} 2\n"))
        #expect(metrics.text.contains("tapedeck_requests_total{outcome=\"miss\"} 1\n"))
        #expect(metrics.text.contains("tapedeck_request_duration_seconds_count{outcome=\"hit\"} 2\n"))
    }

    @Test func upstreamErrorsAreCounted() throws {
        let proxy = try ProxyHarness(origin: { _ in .response(status: 500, body: Array(#"{"message":"boom"}"#.utf8)) })
        defer { proxy.stop() }
        _ = try proxy.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
        let stats = try JSONParser.parse(try proxy.request("GET", "/_tapedeck/stats").body)
        #expect(stats["upstreamErrors"]?.numberLiteral == "1")
    }

    @Test func theBinaryWritesHitCountsToTheStoreOnShutdown() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassette = CassetteFixtures.cassette()
        try JSONFileStore(directory: scratch.path).save(cassette)
        let server = try TapedeckBinary.Running(["serve", "--port", "0", "--quiet", "--store", "json:\(scratch.path)"])
        let port = try #require(server.waitForPort())
        let body = JSONWriter.compact(cassette.request)
        for _ in 0..<3 {
            let client = try RawClient(port: port)
            let path = "/model/\(BedrockRoute.encodePathSegment(cassette.modelId))/converse"
            let response = try client.exchange("POST", path, headers: [("Content-Type", "application/json")], body: body)
            #expect(response.headers["x-tapedeck"] == "hit")
        }
        server.send(SIGTERM)
        #expect(server.waitForExit().status == 0)
        let usage = try JSONFileStore(directory: scratch.path).usage()
        #expect(usage.hits[cassette.key]?.count == 3)
    }
}
