import TapedeckSystem
import TapedeckBedrock
/// How many times each key has been asked in each session, for `--repeats sequence`.
///
/// A session starts when the server starts; `POST /_tapedeck/session/reset` starts it again, and the
/// `x-tapedeck-session` header names separate sessions (a new name starts from the first answer).
public final class SessionCounters: Sendable {
    private let counts = Mutex([String: [CacheKey: Int]]())

    /// Creates empty counters.
    public init() {}

    /// The 0-based index of this ask of `key` in `session`, counting it.
    public func next(session: String, key: CacheKey) -> Int {
        counts.withLock { sessions in
            let index = sessions[session, default: [:]][key, default: 0]
            sessions[session, default: [:]][key] = index + 1
            return index
        }
    }

    /// Forgets the counts of `session`, or of every session when nil.
    public func reset(session: String?) {
        counts.withLock { sessions in
            if let session { sessions[session] = nil } else { sessions.removeAll() }
        }
    }
}
