import TapedeckSystem
import TapedeckStore
/// Live counters since the server started: requests by outcome and model, upstream errors, tokens served from
/// cassettes, and request durations by outcome for a histogram.
public final class ProxyStats: Sendable {
    /// Histogram bucket upper bounds in seconds.
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    /// Counters for one model.
    public struct ModelCounts: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var upstreamErrors = 0
        public var tokensSaved = TokenUsage(inputTokens: 0, outputTokens: 0)
    }

    /// Durations of the requests with one outcome.
    public struct Durations: Sendable, Equatable {
        /// Cumulative counts per bucket of `ProxyStats.buckets` (Prometheus `le`).
        public var bucketCounts = [Int](repeating: 0, count: ProxyStats.buckets.count)
        public var count = 0
        public var sumSeconds = 0.0
    }

    /// A consistent copy of every counter.
    public struct Snapshot: Sendable, Equatable {
        public var models: [String: ModelCounts] = [:]
        public var requests: [Outcome: Int] = [:]
        public var durations: [Outcome: Durations] = [:]
        /// Answers from upstream whose cassette could not be written (disk full, read-only store, ...).
        public var recordFailures = 0
    }

    /// The counters as the hot path keeps them: by outcome's position in `Outcome.allCases` and by a model's
    /// position in `models`, so a request hashes no string (`snapshot` turns them into dictionaries).
    private struct Live {
        var requests = [Int](repeating: 0, count: Outcome.allCases.count)
        var durations = [Durations?](repeating: nil, count: Outcome.allCases.count)
        var models: [(name: String, counts: ModelCounts)] = []
        /// Model name to position, looked at only past the first `linearModels` (the usual case is one to a few).
        var modelIndex: [String: Int] = [:]
        var recordFailures = 0

        static let linearModels = 16

        mutating func position(of model: String) -> Int {
            if models.count <= Self.linearModels {
                for index in models.indices where models[index].name == model { return index }
            } else if let index = modelIndex[model] {
                return index
            }
            models.append((model, ModelCounts()))
            modelIndex[model] = models.count - 1
            return models.count - 1
        }
    }

    private let state = Mutex(Live())
    /// US$ per million input and output tokens for a model, or nil when unknown.
    public let price: @Sendable (String) -> (input: Double, output: Double)?

    /// Creates empty counters priced with `price`.
    public init(price: @escaping @Sendable (String) -> (input: Double, output: Double)? = { _ in nil }) {
        self.price = price
    }

    /// Records one finished request.
    public func record(outcome: Outcome, model: String?, seconds: Double, upstreamFailed: Bool, saved: TokenUsage?) {
        let slot = Outcome.allCases.firstIndex(of: outcome)!
        state.withLock { live in
            live.requests[slot] += 1
            var durations = live.durations[slot] ?? Durations()
            live.durations[slot] = nil  // so the bucket counts below are changed in place, not copied
            durations.count += 1
            durations.sumSeconds += seconds
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { durations.bucketCounts[index] += 1 }
            live.durations[slot] = durations
            guard let model else { return }
            let index = live.position(of: model)
            if outcome == .hit { live.models[index].counts.hits += 1 }
            if outcome.isMiss { live.models[index].counts.misses += 1 }
            if upstreamFailed { live.models[index].counts.upstreamErrors += 1 }
            if let saved {
                live.models[index].counts.tokensSaved.inputTokens += saved.inputTokens
                live.models[index].counts.tokensSaved.outputTokens += saved.outputTokens
            }
        }
    }

    /// Counts one recording that could not be written.
    public func recordFailed() {
        state.withLock { $0.recordFailures += 1 }
    }

    /// A copy of the counters.
    public func snapshot() -> Snapshot {
        state.withLock { live in
            var snapshot = Snapshot(recordFailures: live.recordFailures)
            for (slot, outcome) in Outcome.allCases.enumerated() {
                if live.requests[slot] > 0 { snapshot.requests[outcome] = live.requests[slot] }
                if let durations = live.durations[slot] { snapshot.durations[outcome] = durations }
            }
            for (name, counts) in live.models { snapshot.models[name] = counts }
            return snapshot
        }
    }

    /// The money `tokens` of `model` would have cost upstream, or nil for a model without a price.
    public func cost(of tokens: TokenUsage, model: String) -> Double? {
        guard let price = price(model) else { return nil }
        return (Double(tokens.inputTokens) * price.input + Double(tokens.outputTokens) * price.output) / 1_000_000
    }
}
