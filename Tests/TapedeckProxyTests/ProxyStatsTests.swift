import Testing
@testable import TapedeckStore
@testable import TapedeckProxy
import TapedeckTestSupport

@Suite struct ProxyStatsTests {
    static let priced = ProxyStats { model in model == "m" ? (input: 3.0, output: 15.0) : nil }

    @Test func countsByModelWithTokensAndMoneySaved() throws {
        let stats = Self.priced
        stats.record(outcome: .hit, model: "m", seconds: 0.0004, upstreamFailed: false, saved: TokenUsage(inputTokens: 1_000_000, outputTokens: 100_000))
        stats.record(outcome: .hit, model: "m", seconds: 0.0004, upstreamFailed: false, saved: TokenUsage(inputTokens: 1_000_000, outputTokens: 100_000))
        stats.record(outcome: .miss, model: "m", seconds: 1.2, upstreamFailed: true, saved: nil)
        stats.record(outcome: .miss, model: "unpriced", seconds: 0.3, upstreamFailed: false, saved: nil)
        let json = stats.json()
        #expect(json["hits"]?.numberLiteral == "2")
        #expect(json["misses"]?.numberLiteral == "2")
        #expect(json["upstreamErrors"]?.numberLiteral == "1")
        #expect(json["tokensSaved"]?["input"]?.numberLiteral == "2000000")
        // 2 × (1M × $3 + 0.1M × $15) per million = $9.
        #expect(json["costSaved"]?.numberLiteral == "9.000000")
        #expect(json["models"]?["unpriced"]?["costSaved"] == .null)
    }

    @Test func prometheusTextHasCumulativeBucketsAndEscapedLabels() {
        let stats = ProxyStats()
        stats.record(outcome: .hit, model: "a\"b\\c\nd", seconds: 0.0004, upstreamFailed: false, saved: nil)
        stats.record(outcome: .hit, model: "a\"b\\c\nd", seconds: 0.003, upstreamFailed: false, saved: nil)
        let text = stats.prometheus()
        #expect(text.contains("tapedeck_requests_total{outcome=\"hit\"} 2\n"))
        #expect(text.contains("tapedeck_request_duration_seconds_bucket{outcome=\"hit\",le=\"0.0005\"} 1\n"))
        #expect(text.contains("tapedeck_request_duration_seconds_bucket{outcome=\"hit\",le=\"0.005\"} 2\n"))
        #expect(text.contains("tapedeck_request_duration_seconds_bucket{outcome=\"hit\",le=\"+Inf\"} 2\n"))
        #expect(text.contains("tapedeck_request_duration_seconds_count{outcome=\"hit\"} 2\n"))
        #expect(text.contains(#"model="a\"b\\c\nd""#))
        #expect(text.contains("# TYPE tapedeck_request_duration_seconds histogram\n"))
    }

    @Test func recordFailuresAreCountedInBothViews() throws {
        let stats = ProxyStats()
        #expect(stats.json()["recordFailures"]?.numberLiteral == "0")
        #expect(stats.prometheus().contains("tapedeck_record_failures_total 0\n"))
        stats.recordFailed()
        stats.recordFailed()
        #expect(stats.json()["recordFailures"]?.numberLiteral == "2")
        #expect(stats.prometheus().contains("# TYPE tapedeck_record_failures_total counter\ntapedeck_record_failures_total 2\n"))
    }

    /// Past the first sixteen models the counters find a model through an index: every model keeps its own counts.
    @Test func manyModelsEachKeepTheirOwnCounts() {
        let stats = ProxyStats()
        for round in 1...3 {
            for model in 0..<40 {
                for _ in 0..<(model % 3 + 1) {
                    stats.record(outcome: .hit, model: "model-\(model)", seconds: 0.001, upstreamFailed: false, saved: nil)
                }
            }
            stats.record(outcome: .miss, model: "model-39", seconds: 0.2, upstreamFailed: true, saved: nil)
            let snapshot = stats.snapshot()
            #expect(snapshot.models.count == 40)
            for model in 0..<40 { #expect(snapshot.models["model-\(model)"]?.hits == round * (model % 3 + 1)) }
            #expect(snapshot.models["model-39"]?.misses == round && snapshot.models["model-39"]?.upstreamErrors == round)
            #expect(snapshot.requests == [.hit: round * 79, .miss: round])
            #expect(snapshot.durations[.miss]?.count == round && snapshot.durations[.admin] == nil)
        }
    }
}
