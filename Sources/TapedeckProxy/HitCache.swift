import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// Answers already rendered from cassettes, reused while the cassette's stored version is unchanged, so a hot
/// hit costs one `stat` instead of a file read, a JSON parse and a re-encode. Bounded: when full it starts over.
public final class HitCache: Sendable {
    /// A hit's answer, ready to send.
    public struct Plan: Sendable {
        public enum Answer: Sendable {
            case converse(HTTPResponse, Replay.ServedAs)
            case stream(Replay.Stream)
        }

        public let answer: Answer
        public let cassetteKey: CacheKey
        public let recordedAt: String
        public let saved: TokenUsage?
        /// The namespace the cassette was found in ("" is the shared one).
        public var namespace = ""

        /// Bytes this plan keeps in memory, roughly.
        var size: Int {
            switch answer {
            case .converse(let response, _): return response.body.count + 256
            case .stream(let stream): return stream.frames.reduce(256) { $0 + $1.bytes.count }
            }
        }
    }

    private struct Slot: Hashable, Sendable {
        let namespace: String
        let key: CacheKey
        let operation: ConverseOperation
    }

    private struct State: Sendable {
        var plans: [Slot: (version: CassetteVersion, plan: Plan)] = [:]
        var bytes = 0
    }

    private let maxBytes: Int
    private let state = Mutex(State())

    /// Creates a cache holding about `maxBytes` of answers.
    public init(maxBytes: Int = 32 * 1024 * 1024) {
        self.maxBytes = maxBytes
    }

    /// The plan rendered for `version` of `key`, if it is still that version.
    public func plan(namespace: String, key: CacheKey, operation: ConverseOperation, version: CassetteVersion) -> Plan? {
        let slot = Slot(namespace: namespace, key: key, operation: operation)
        return state.withLock { state in
            guard let cached = state.plans[slot], cached.version == version else { return nil }
            return cached.plan
        }
    }

    /// Keeps `plan` as the rendering of `version` of `key`.
    public func keep(_ plan: Plan, namespace: String, key: CacheKey, operation: ConverseOperation, version: CassetteVersion) {
        let size = plan.size
        guard size <= maxBytes / 8 else { return }
        let slot = Slot(namespace: namespace, key: key, operation: operation)
        state.withLock { state in
            if state.bytes + size > maxBytes {
                state.plans.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            if let old = state.plans[slot] { state.bytes -= old.plan.size }
            state.plans[slot] = (version, plan)
            state.bytes += size
        }
    }
}
