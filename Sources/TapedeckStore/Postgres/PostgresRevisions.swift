import TapedeckSystem
import TapedeckBedrock

/// What a serving process remembers of the database's cassettes: each looked-up key's `revision` (or that it has no
/// row), kept only while a LISTEN connection would have heard of a change to it.
///
/// The rules:
/// - A remembered revision answers `version(of:)` without a round trip while `listening`; every notification for
///   the key, and every write by this process, forgets it.
/// - A notification can only be missed while the listener is down, so its reconnection forgets everything.
/// - A reader notes `epoch` before it asks the database and remembers the answer only if no notification or
///   reconnection came meanwhile: an answer read before a change is never kept after the change was heard.
/// - Apart from that, the last revision read or heard of each slot is kept (`lastSeen`, whatever the epoch): while
///   the database is away it answers (warm hits keep being served from memory); what was never seen fails as the
///   database does.
/// - Bounded: past `maxEntries` it starts over.
package final class PostgresRevisions: Sendable {
    /// A cassette's place in the database.
    package struct Slot: Hashable, Sendable {
        package let namespace: String
        package let key: CacheKey

        /// The slot of `key` in namespace `namespace` ("" the shared one).
        package init(namespace: String, key: CacheKey) {
            self.namespace = namespace
            self.key = key
        }
    }

    private struct State {
        /// The revision of each remembered slot; nil: it has no row.
        var known: [Slot: Int64?] = [:]
        /// The last revision read or heard of each slot, current or not.
        var seen: [Slot: Int64?] = [:]
        /// Bumped by every change heard and every reconnection.
        var epoch: UInt64 = 0
        /// Whether the LISTEN connection is up.
        var listening = false
        /// How many notifications were heard (for tests).
        var heard = 0
    }

    private let state = Mutex(State())
    let maxEntries: Int

    /// Remembers up to `maxEntries` slots.
    package init(maxEntries: Int = 200_000) {
        self.maxEntries = maxEntries
    }

    /// Whether the LISTEN connection is up, so remembered revisions are current.
    var listening: Bool { state.withLock { $0.listening } }

    /// The slot's remembered revision (`.some(nil)`: no row) while the listener keeps it current; nil otherwise.
    package func current(_ slot: Slot) -> Int64?? {
        state.withLock { state in
            guard state.listening else { return nil }
            return state.known[slot]
        }
    }

    /// The last revision read or heard of the slot, current or not (for while the database is away); nil: never seen.
    func lastSeen(_ slot: Slot) -> Int64?? {
        state.withLock { $0.seen[slot] }
    }

    /// The count of changes heard so far: note it before asking the database, hand it to `remember`.
    package var epoch: UInt64 { state.withLock { $0.epoch } }

    /// Keeps `revision` (nil: no row) for `slot` as read after `epoch` was noted, unless a change was heard since.
    package func remember(_ revision: Int64?, for slot: Slot, readAfter epoch: UInt64) {
        state.withLock { state in
            if state.seen.count >= maxEntries { state.seen.removeAll(keepingCapacity: true) }
            state.seen[slot] = .some(revision)
            guard state.epoch == epoch else { return }
            if state.known.count >= maxEntries { state.known.removeAll(keepingCapacity: true) }
            state.known[slot] = .some(revision)
        }
    }

    /// Takes in notification payloads (`namespace/key/revision`, `-` for a removal): a slot remembered at another
    /// revision is forgotten, one remembered at the notified revision kept (the late news of a change already read).
    /// An unreadable payload forgets everything.
    package func heard(_ payloads: [String]) {
        guard !payloads.isEmpty else { return }
        state.withLock { state in
            state.epoch &+= 1
            state.heard += payloads.count
            for payload in payloads {
                guard let change = Self.change(payload) else {
                    state.known.removeAll()
                    return
                }
                if state.seen[change.slot] != nil { state.seen[change.slot] = .some(change.revision) }
                if let known = state.known[change.slot], known == change.revision { continue }
                state.known[change.slot] = nil
            }
        }
    }

    /// The longest payload read (PostgreSQL's own limit is under 8000 bytes); a longer one is not a change.
    package static let maxPayloadBytes = 8000

    /// The slot and revision (nil: removed) a payload names; nil when it is not one.
    package static func change(_ payload: String) -> (slot: Slot, revision: Int64?)? {
        guard payload.utf8.count <= maxPayloadBytes else { return nil }
        let parts = payload.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, let key = CacheKey(hex: String(parts[parts.count - 2])) else { return nil }
        let last = parts[parts.count - 1]
        let revision: Int64?
        if last == "-" {
            revision = nil
        } else {
            guard let number = Int64(last) else { return nil }
            revision = number
        }
        return (Slot(namespace: parts[..<(parts.count - 2)].joined(separator: "/"), key: key), revision)
    }

    /// Forgets `slot`: this process just changed it.
    func forget(_ slot: Slot) {
        state.withLock { state in
            state.epoch &+= 1
            state.known[slot] = nil
        }
    }

    /// The listener is listening again: changes made while it was down were not heard, so everything is forgotten.
    package func listenerUp() {
        state.withLock { state in
            state.epoch &+= 1
            state.known.removeAll()
            state.listening = true
        }
    }

    /// The listener lost its connection: remembered revisions answer only while the database is away.
    func listenerDown() {
        state.withLock { $0.listening = false }
    }

    /// How many notifications were heard (for tests).
    var heardCount: Int { state.withLock { $0.heard } }

    /// How many slots are remembered (for tests).
    var count: Int { state.withLock { $0.known.count } }
}
