import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// Answers already rendered from cassettes, reused while the cassette's stored version is unchanged, so a hot
/// hit costs one `stat` instead of a file read, a JSON parse and a re-encode. Bounded: when full it starts over.
public final class HitCache: Sendable {
    private struct Slot: Hashable, Sendable {
        let namespace: String
        let key: CacheKey
        let operation: BedrockOperation
    }

    private struct State: Sendable {
        var answers: [Slot: (version: CassetteVersion, answer: RenderedAnswer)] = [:]
        var bytes = 0
    }

    private let maxBytes: Int
    private let state = Mutex(State())

    /// Creates a cache holding about `maxBytes` of answers.
    public init(maxBytes: Int = 32 * 1024 * 1024) {
        self.maxBytes = maxBytes
    }

    /// The answer rendered for `version` of `key`, if it is still that version.
    public func answer(namespace: String, key: CacheKey, operation: BedrockOperation, version: CassetteVersion) -> RenderedAnswer? {
        let slot = Slot(namespace: namespace, key: key, operation: operation)
        return state.withLock { state in
            guard let cached = state.answers[slot], cached.version == version else { return nil }
            return cached.answer
        }
    }

    /// Keeps `rendered` as the rendering of `version` of `key`.
    public func keep(_ rendered: RenderedAnswer, namespace: String, key: CacheKey, operation: BedrockOperation, version: CassetteVersion) {
        let size = rendered.size
        guard size <= maxBytes / 8 else { return }
        let slot = Slot(namespace: namespace, key: key, operation: operation)
        state.withLock { state in
            if state.bytes + size > maxBytes {
                state.answers.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            if let old = state.answers[slot] { state.bytes -= old.answer.size }
            state.answers[slot] = (version, rendered)
            state.bytes += size
        }
    }
}
