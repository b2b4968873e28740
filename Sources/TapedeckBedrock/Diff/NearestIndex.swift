import TapedeckCodec
import TapedeckSystem
/// An in-memory index of recorded requests that finds the one nearest to a request that missed.
///
/// Requests are grouped by (namespace, model) and, inside a group, bucketed by a fingerprint: the first
/// `fingerprintLength` characters of the first user message's text. A lookup scores with
/// `RequestDiff.similarity` only the asked request's bucket, or, when that bucket is empty, the most
/// recent requests of the group; never more than `candidateLimit` either way. Ties go to the most recent.
/// Candidates are scored outside the lock, so inserts are not held up by a lookup.
///
/// The index lives as long as the server and holds every recorded request, so each is kept small: as compact JSON
/// bytes, with long strings (base64 image and document bytes, pasted documents) condensed to a prefix, their length
/// and a digest. Equal strings stay equal and different ones differ, so scores hardly change, while a request
/// carrying a 10 MB image costs a few hundred bytes instead of its whole body for as long as the server runs.
public final class NearestIndex: Sendable {
    /// The most candidates one lookup scores.
    public static let candidateLimit = 200
    /// How many characters of the first user message make the fingerprint.
    static let fingerprintLength = 64
    /// Strings longer than this (in UTF-8 bytes) are kept condensed.
    static let longStringBytes = 1024
    /// Characters of a long string kept in front of its length and digest.
    static let condensedPrefix = 256

    private struct GroupKey: Hashable {
        let namespace: String
        let model: String
    }

    /// A recording: its key in its namespace (the same key may be recorded in many namespaces).
    private struct Slot: Hashable {
        let namespace: String
        let key: String
    }

    private struct State {
        var groups: [GroupKey: NearestGroup] = [:]
        var groupOfSlot: [Slot: GroupKey] = [:]
        var sequence = 0
        var scored = 0
    }

    private let state = Mutex(State())

    /// Creates an empty index.
    public init() {}

    /// Adds the request recorded under `key` in `namespace`, replacing whatever `key` held there before.
    public func insert(key: String, model: String, namespace: String, request: JSONValue) {
        let group = GroupKey(namespace: namespace, model: model)
        let fingerprint = Self.fingerprint(of: request)
        let kept = JSONWriter.compact(Self.condensed(request))
        state.withLock { state in
            Self.remove(Slot(namespace: namespace, key: key), from: &state)
            state.sequence += 1
            let entry = NearestGroup.Entry(key: key, request: kept, fingerprint: fingerprint, sequence: state.sequence)
            state.groups[group, default: NearestGroup()].insert(entry)
            state.groupOfSlot[Slot(namespace: namespace, key: key)] = group
        }
    }

    /// Forgets the request recorded under `key` in `namespace`, if any.
    public func remove(key: String, namespace: String) {
        state.withLock { Self.remove(Slot(namespace: namespace, key: key), from: &$0) }
    }

    /// The recorded request most similar to `request` for the same model and namespace, or nil if none; the
    /// request comes back `condensed`, so a caller that needs its long strings whole reads the cassette.
    public func nearest(model: String, namespace: String, request: JSONValue) -> (key: String, request: JSONValue)? {
        let group = GroupKey(namespace: namespace, model: model)
        let fingerprint = Self.fingerprint(of: request)
        let candidates = state.withLock { state in
            state.groups[group]?.candidates(fingerprint: fingerprint, limit: Self.candidateLimit) ?? []
        }
        // Both sides condensed alike, so a long string equal on both sides still counts as equal.
        let asked = Self.condensed(request)
        var best: (key: String, request: JSONValue)?
        var bestScore = -1.0
        var scored = 0
        // Candidates come most recent first, so keeping only strictly better scores breaks ties by recency.
        for candidate in candidates {
            let recorded: JSONValue
            do {
                recorded = try JSONParser.parse(candidate.request)
            } catch {
                continue  // The index wrote these bytes itself; unreachable unless memory is corrupt.
            }
            let score = RequestDiff.similarity(recorded, asked)
            scored += 1
            if score > bestScore {
                best = (candidate.key, recorded)
                bestScore = score
            }
            if score >= 1 { break }
        }
        state.withLock { $0.scored += scored }
        return best
    }

    /// `request` with every string longer than `longStringBytes` replaced by its first `condensedPrefix`
    /// characters, its length and a SHA-256 prefix: `iVBORw0KGgo…[+1398080 bytes, sha256 3f9a0c…]`.
    package static func condensed(_ request: JSONValue) -> JSONValue {
        switch request {
        case .string(let text) where text.utf8.count > longStringBytes:
            let kept = text.prefix(condensedPrefix)
            var digest = SHA256()
            digest.update(text)
            let hex = SHA256.hex(digest.finalize()).prefix(16)
            return .string("\(kept)…[+\(text.utf8.count - kept.utf8.count) bytes, sha256 \(hex)]")
        case .array(let items):
            return .array(items.map(condensed))
        case .object(let members):
            return .object(members.map { JSONMember($0.key, condensed($0.value)) })
        default:
            return request
        }
    }

    /// How many requests the index holds.
    public var count: Int {
        state.withLock { $0.groupOfSlot.count }
    }

    /// Bytes of request JSON the index holds; lets tests check what a recording costs it.
    var storedBytes: Int {
        state.withLock { state in
            state.groups.values.reduce(0) { total, group in total + group.entries.values.reduce(0) { $0 + $1.request.count } }
        }
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

    private static func remove(_ slot: Slot, from state: inout State) {
        guard let group = state.groupOfSlot.removeValue(forKey: slot) else { return }
        state.groups[group]?.remove(key: slot.key)
        if state.groups[group]?.isEmpty == true { state.groups[group] = nil }
    }
}
