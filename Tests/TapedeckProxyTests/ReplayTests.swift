import Testing
@testable import TapedeckCodec
@testable import TapedeckHTTP
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

/// A hit's answer built from a cassette: the recorded body with deterministic metrics, usage and request id.
@Suite struct ReplayTests {
    private static let key = CacheKey(hex: "0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210")!

    private static func cassette(body: String, contentType: String = "application/json") throws -> Cassette {
        Cassette(
            key: key, operation: .converse, modelId: "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            request: try JSONParser.parse(#"{"messages": []}"#),
            response: RecordedResponse(status: 200, contentType: contentType, body: try JSONParser.parse(body)),
            upstreamLatencyMs: 812, recordedAt: "2024-10-22T12:00:00Z")
    }

    private static let recorded = #"{"output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}}, "stopReason": "end_turn", "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4, "cacheWriteInputTokens": 2}, "metrics": {"latencyMs": 812}, "trace": {"note": "kept"}}"#

    @Test func theBodyIsTheRecordedOneWithTheConfiguredLatency() throws {
        let response = try Replay(hitLatencyMs: 0, hitUsage: .recorded).converse(try Self.cassette(body: Self.recorded))

        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4,"cacheWriteInputTokens":2},"metrics":{"latencyMs":0},"trace":{"note":"kept"}}"#)
        #expect(response.headers["Content-Type"] == "application/json")
    }

    @Test func hitLatencyReplacesTheRecordedLatency() throws {
        let body = try JSONParser.parse(try Replay(hitLatencyMs: 25, hitUsage: .recorded).converse(Self.cassette(body: Self.recorded)).body)
        #expect(body.at("metrics", "latencyMs")?.numberLiteral == "25")
        #expect(body.objectValue?.map(\.key) == ["output", "stopReason", "usage", "metrics", "trace"], "member order is kept")
    }

    @Test func metricsAreAddedWhenTheRecordingHasNone() throws {
        let body = try JSONParser.parse(try Replay(hitLatencyMs: 7, hitUsage: .recorded)
            .converse(Self.cassette(body: #"{"stopReason": "end_turn", "metrics": {"other": true}}"#)).body)
        #expect(body.at("metrics", "latencyMs")?.numberLiteral == "7")
        #expect(body.at("metrics", "other")?.boolValue == true)

        let bare = try JSONParser.parse(try Replay(hitLatencyMs: 7, hitUsage: .recorded)
            .converse(Self.cassette(body: #"{"stopReason": "end_turn"}"#)).body)
        #expect(bare.at("metrics", "latencyMs")?.numberLiteral == "7")
    }

    @Test func zeroUsageZeroesEveryCountAndRecordedUsageKeepsThem() throws {
        let cassette = try Self.cassette(body: Self.recorded)
        let zeroed = try JSONParser.parse(try Replay(hitLatencyMs: 0, hitUsage: .zero).converse(cassette).body)
        let usage = try #require(zeroed["usage"]?.objectValue)
        #expect(usage.map(\.key) == ["inputTokens", "outputTokens", "totalTokens", "cacheWriteInputTokens"])
        #expect(usage.allSatisfy { $0.value.numberLiteral == "0" })
        #expect(zeroed["stopReason"]?.stringValue == "end_turn")

        let kept = try JSONParser.parse(try Replay(hitLatencyMs: 0, hitUsage: .recorded).converse(cassette).body)
        #expect(kept["usage"] == (try JSONParser.parse(#"{"inputTokens": 3, "outputTokens": 1, "totalTokens": 4, "cacheWriteInputTokens": 2}"#)))
    }

    @Test func theRequestIdIsAVersion8UUIDMadeFromTheKey() throws {
        #expect(Replay.requestId(for: Self.key) == "01234567-89ab-8def-8123-456789abcdef", "RFC 9562 version 8, variant 10")
        let response = try Replay(hitLatencyMs: 0, hitUsage: .recorded).converse(try Self.cassette(body: Self.recorded))
        #expect(response.headers.values("x-amzn-RequestId") == ["01234567-89ab-8def-8123-456789abcdef"])
    }

    @Test func replaysAreByteIdentical() throws {
        let cassette = try Self.cassette(body: Self.recorded)
        let replay = Replay(hitLatencyMs: 13, hitUsage: .zero)
        let first = try replay.converse(cassette)
        let second = try replay.converse(cassette)
        #expect(first.body == second.body)
        #expect(first.headers == second.headers)
        #expect(first.status == second.status)
    }

    @Test func theRecordedContentTypeIsServed() throws {
        let response = try Replay(hitLatencyMs: 0, hitUsage: .recorded)
            .converse(try Self.cassette(body: Self.recorded, contentType: "application/json; charset=utf-8"))
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
    }
}

extension Replay {
    /// The Converse answer alone, for tests that do not look at how it was served.
    func converse(_ cassette: Cassette) throws -> HTTPResponse { try response(for: cassette).0 }
}
