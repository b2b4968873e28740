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

    private let state = Mutex(Snapshot())
    /// US$ per million input and output tokens for a model, or nil when unknown.
    public let price: @Sendable (String) -> (input: Double, output: Double)?

    /// Creates empty counters priced with `price`.
    public init(price: @escaping @Sendable (String) -> (input: Double, output: Double)? = { _ in nil }) {
        self.price = price
    }

    /// Records one finished request.
    public func record(outcome: Outcome, model: String?, seconds: Double, upstreamFailed: Bool, saved: TokenUsage?) {
        state.withLock { snapshot in
            snapshot.requests[outcome, default: 0] += 1
            var durations = snapshot.durations[outcome] ?? Durations()
            durations.count += 1
            durations.sumSeconds += seconds
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { durations.bucketCounts[index] += 1 }
            snapshot.durations[outcome] = durations
            guard let model else { return }
            var counts = snapshot.models[model] ?? ModelCounts()
            if outcome == .hit { counts.hits += 1 }
            if outcome.isMiss { counts.misses += 1 }
            if upstreamFailed { counts.upstreamErrors += 1 }
            if let saved {
                counts.tokensSaved.inputTokens += saved.inputTokens
                counts.tokensSaved.outputTokens += saved.outputTokens
            }
            snapshot.models[model] = counts
        }
    }

    /// Counts one recording that could not be written.
    public func recordFailed() {
        state.withLock { $0.recordFailures += 1 }
    }

    /// A copy of the counters.
    public func snapshot() -> Snapshot { state.withLock { $0 } }

    /// The money `tokens` of `model` would have cost upstream, or nil for a model without a price.
    public func cost(of tokens: TokenUsage, model: String) -> Double? {
        guard let price = price(model) else { return nil }
        return (Double(tokens.inputTokens) * price.input + Double(tokens.outputTokens) * price.output) / 1_000_000
    }
}
