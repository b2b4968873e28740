import Glibc
import TapedeckSystem
import TapedeckBedrock

/// A claim, held in the store, on recording one key: while one process holds it, another process sharing the
/// store that misses on the same key waits for that recording instead of calling upstream a second time.
///
/// The rules, for every store that keeps leases:
/// - At most one live lease per key in a namespace; taking one is atomic across processes (an `O_EXCL`-style
///   create of a lock file, or an insert inside `BEGIN IMMEDIATE`).
/// - A lease is stale, and may be taken over, once its owner is certainly gone (same host and boot, and no
///   process with its pid and start time: `ProcessIdentity.isGone`) or once it is older than the bound the taker
///   gives (a hung owner, or one on another host).
/// - Releasing removes the lease only if it is still the same acquisition (its `token`): a lease taken over as
///   stale is never removed by its first owner.
/// - A lease is never a cassette: no listing, count or namespace list shows one.
public struct MissLease: Sendable, Equatable {
    /// The key being recorded.
    public var key: CacheKey
    /// The process that holds it.
    public var owner: ProcessIdentity
    /// Unique to this acquisition (random hex), so a release removes this lease and no later one.
    public var token: String
    /// When it was taken, in milliseconds since the Unix epoch (wall clock: other processes compare it).
    public var acquiredAtMs: Int64
    /// Whether the store keeps it (false for a store that cannot share leases: releasing it does nothing).
    public var isShared: Bool

    /// Creates a lease from its parts.
    public init(key: CacheKey, owner: ProcessIdentity, token: String, acquiredAtMs: Int64, isShared: Bool = true) {
        self.key = key
        self.owner = owner
        self.token = token
        self.acquiredAtMs = acquiredAtMs
        self.isShared = isShared
    }

    /// A new lease on `key` for this process, taken now.
    public static func fresh(_ key: CacheKey, shared: Bool = true) -> MissLease {
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 16) + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return MissLease(key: key, owner: .current, token: token, acquiredAtMs: nowMs(), isShared: shared)
    }

    /// Whether another process may take this lease over at `nowMs`: its owner is gone, or it is older than
    /// `staleAfterMs` (or claims to be from further in the future than that, after a clock step).
    public func isStale(nowMs: Int64 = MissLease.nowMs(), staleAfterMs: Int64) -> Bool {
        abs(nowMs - acquiredAtMs) > staleAfterMs || owner.isGone
    }

    /// The wall clock in milliseconds since the Unix epoch.
    public static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec / 1_000_000)
    }
}

/// What asking the store for a lease gave.
public enum LeaseResult: Sendable, Equatable {
    /// This process holds the lease: record, then release it.
    case acquired(MissLease)
    /// Another acquisition holds it and it is not stale: wait for its recording, or for it to go.
    case heldByAnother(MissLease)
}
