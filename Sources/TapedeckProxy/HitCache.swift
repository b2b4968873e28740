import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
/// Answers already rendered from cassettes, reused while the cassette's stored version is unchanged: a lookup
/// costs one `version(of:)` (a `stat`) instead of a file read, a JSON parse and a re-encode. Where the store can
/// vouch for what it holds (`CassetteStore.changeStamp`), the answer is kept with the stamp taken before that
/// check, and a warm hit costs neither (`ProxyEngine+WarmHit`). Bounded: when full it starts over.
public final class HitCache: Sendable {
    private struct Slot: Hashable, Sendable {
        let namespace: String
        let key: CacheKey
        let operation: BedrockOperation

        /// The key's hash alone is spread well enough; hashing the namespace's name too would cost a hit more than
        /// the rare key kept in two namespaces costs a probe.
        func hash(into hasher: inout Hasher) {
            hasher.combine(key)
            hasher.combine(operation)
        }
    }

    private struct Entry: Sendable {
        let version: CassetteVersion
        let answer: RenderedAnswer
        /// Vouches that the cassette is still `version`, until the store sees a change.
        var stamp: ChangeStamp?
    }

    private struct State: Sendable {
        var answers: [Slot: Entry] = [:]
        var bytes = 0
    }

    private let maxBytes: Int
    private let state = Mutex(State())

    /// Creates a cache holding about `maxBytes` of answers.
    public init(maxBytes: Int = 32 * 1024 * 1024) {
        self.maxBytes = maxBytes
    }

    /// The answer rendered for `version` of `key`, if it is still that version; `stamp`, taken before `version` was
    /// read, then vouches for it.
    public func answer(
        namespace: String, key: CacheKey, operation: BedrockOperation, version: CassetteVersion, stamp: ChangeStamp? = nil
    ) -> RenderedAnswer? {
        let slot = Slot(namespace: namespace, key: key, operation: operation)
        return state.withLock { state in
            guard let cached = state.answers[slot], cached.version == version else { return nil }
            if let stamp { state.answers[slot]?.stamp = stamp }
            return cached.answer
        }
    }

    /// The answer kept for `key` with the stamp that vouches for it, if it has one; the caller asks the store
    /// whether the stamp still holds.
    public func stamped(
        namespace: String, key: CacheKey, operation: BedrockOperation
    ) -> (answer: RenderedAnswer, version: CassetteVersion, stamp: ChangeStamp)? {
        let slot = Slot(namespace: namespace, key: key, operation: operation)
        return state.withLock { state in
            guard let cached = state.answers[slot], let stamp = cached.stamp else { return nil }
            return (cached.answer, cached.version, stamp)
        }
    }

    /// Keeps `rendered` as the rendering of `version` of `key`, vouched for by `stamp` (taken before `version` was read).
    public func keep(
        _ rendered: RenderedAnswer, namespace: String, key: CacheKey, operation: BedrockOperation, version: CassetteVersion,
        stamp: ChangeStamp? = nil
    ) {
        let size = rendered.size
        guard size <= maxBytes / 8 else { return }
        let slot = Slot(namespace: namespace, key: key, operation: operation)
        state.withLock { state in
            if state.bytes + size > maxBytes {
                state.answers.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            if let old = state.answers[slot] { state.bytes -= old.answer.size }
            state.answers[slot] = Entry(version: version, answer: rendered, stamp: stamp)
            state.bytes += size
        }
    }
}
