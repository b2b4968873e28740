/// An in-memory index of recorded requests that finds the one nearest to a request that missed.
///
/// Requests are grouped by (namespace, model) and, inside a group, bucketed by a fingerprint: the first
/// `fingerprintLength` characters of the first user message's text. A lookup scores with
/// `RequestDiff.similarity` only the asked request's bucket, or, when that bucket is empty, the most
/// recent requests of the group; never more than `candidateLimit` either way. Ties go to the most recent.
/// Candidates are scored outside the lock, so inserts are not held up by a lookup.
public final class NearestIndex: Sendable {
    /// The most candidates one lookup scores.
    public static let candidateLimit = 200
    /// How many characters of the first user message make the fingerprint.
    static let fingerprintLength = 64

    private struct GroupKey: Hashable {
        let namespace: String
        let model: String
    }

    private struct State {
        var groups: [GroupKey: NearestGroup] = [:]
        var groupOfKey: [String: GroupKey] = [:]
        var sequence = 0
        var scored = 0
    }

    private let state = Mutex(State())

    /// Creates an empty index.
    public init() {}

    /// Adds the request recorded under `key`, replacing whatever `key` held before.
    public func insert(key: String, model: String, namespace: String, request: JSONValue) {
        let group = GroupKey(namespace: namespace, model: model)
        let fingerprint = Self.fingerprint(of: request)
        state.withLock { state in
            Self.remove(key: key, from: &state)
            state.sequence += 1
            let entry = NearestGroup.Entry(key: key, request: request, fingerprint: fingerprint, sequence: state.sequence)
            state.groups[group, default: NearestGroup()].insert(entry)
            state.groupOfKey[key] = group
        }
    }

    /// Forgets the request recorded under `key`, if any.
    public func remove(key: String) {
        state.withLock { Self.remove(key: key, from: &$0) }
    }

    /// The recorded request most similar to `request` for the same model and namespace, or nil if none.
    public func nearest(model: String, namespace: String, request: JSONValue) -> (key: String, request: JSONValue)? {
        let group = GroupKey(namespace: namespace, model: model)
        let fingerprint = Self.fingerprint(of: request)
        let candidates = state.withLock { state in
            state.groups[group]?.candidates(fingerprint: fingerprint, limit: Self.candidateLimit) ?? []
        }
        var best: NearestGroup.Entry?
        var bestScore = -1.0
        var scored = 0
        // Candidates come most recent first, so keeping only strictly better scores breaks ties by recency.
        for candidate in candidates {
            let score = RequestDiff.similarity(candidate.request, request)
            scored += 1
            if score > bestScore {
                best = candidate
                bestScore = score
            }
            if score >= 1 { break }
        }
        state.withLock { $0.scored += scored }
        return best.map { ($0.key, $0.request) }
    }

    /// How many requests the index holds.
    public var count: Int {
        state.withLock { $0.groupOfKey.count }
    }

    /// Candidates scored by all lookups so far; lets tests check that a lookup stays bounded.
    var scoredCandidates: Int {
        state.withLock { $0.scored }
    }

    /// The bucket a request falls in: the start of its first user message's text.
    static func fingerprint(of request: JSONValue) -> String {
        let messages = request["messages"]?.arrayValue ?? []
        guard let first = messages.first(where: { $0["role"]?.stringValue == "user" }) else { return "" }
        return String(RequestDiff.messageText(first).prefix(fingerprintLength))
    }

    private static func remove(key: String, from state: inout State) {
        guard let group = state.groupOfKey.removeValue(forKey: key) else { return }
        state.groups[group]?.remove(key: key)
        if state.groups[group]?.isEmpty == true { state.groups[group] = nil }
    }
}
