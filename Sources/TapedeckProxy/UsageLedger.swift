import Dispatch
import TapedeckSystem
import TapedeckBedrock
import TapedeckStore

/// Counts hits per cassette and misses per model in memory and adds them to the store in batches, never a
/// write per hit: every `intervalSeconds` (one second by default, so a kill -9 loses at most the last second's
/// counts) on its own thread when there is anything to add, and once more when stopped. Counts are kept per
/// namespace and written to that namespace's view, where its cassettes (and `ls STORE#NAME`) are.
public final class UsageLedger: Sendable {
    private let store: CassetteStore
    private let log: ProcessLog
    /// Counts not yet added: the shared namespace's apart, so the usual hit hashes no namespace name.
    private struct Pending {
        var shared = UsageCounts()
        var named: [String: UsageCounts] = [:]

        mutating func update(_ namespace: String, _ change: (inout UsageCounts) -> Void) {
            if namespace.isEmpty { change(&shared) } else { change(&named[namespace, default: UsageCounts()]) }
        }
    }

    private let pending = Mutex(Pending())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = Mutex(false)
    private let running = Mutex(false)
    private let intervalSeconds: Double

    /// Creates a ledger for `store`; call `start` to flush periodically.
    public init(store: CassetteStore, log: ProcessLog, intervalSeconds: Double = 1) {
        self.store = store
        self.log = log
        self.intervalSeconds = intervalSeconds
    }

    /// Starts the thread that flushes every interval.
    public func start() {
        running.withLock { $0 = true }
        OSThread.start(name: "tapedeck-ledger") { [self] in
            // Flush after every wait, the one `stop` cuts short included, so nothing noted before `stop` is lost.
            repeat {
                _ = wake.wait(timeout: .now() + intervalSeconds)
                flush()
            } while !stopping.withLock({ $0 })
            finished.signal()
        }
    }

    /// Notes one hit now of the cassette `key` in `namespace` ("" is the shared one).
    public func hit(_ key: CacheKey, namespace: String = "") {
        let now = Timestamp.nowSeconds()
        pending.withLock { $0.update(namespace) { $0.hit(key, at: now) } }
    }

    /// Notes one miss for `model` in `namespace`.
    public func miss(model: String, namespace: String = "") {
        pending.withLock { $0.update(namespace) { $0.miss(model: model) } }
    }

    /// Adds what is pending to the store; on failure the counts are kept for the next try.
    public func flush() {
        let batches = pending.withLock { counts -> [String: UsageCounts] in
            var taken = counts.named
            if !counts.shared.isEmpty { taken[""] = counts.shared }
            counts = Pending()
            return taken
        }
        for (namespace, batch) in batches.sorted(by: { $0.key < $1.key }) where !batch.isEmpty {
            do {
                try (namespace.isEmpty ? store : store.namespace(namespace)).addUsage(batch)
            } catch {
                log.warn("cannot save hit counts", [
                    LogField("namespace", namespace), LogField("error", "\(error)"), LogField("action", "keep them for the next try"),
                ])
                pending.withLock { $0.update(namespace) { $0.add(batch) } }
            }
        }
    }

    /// Stops the periodic thread (if started) after a last flush.
    public func stop() {
        stopping.withLock { $0 = true }
        if running.withLock({ $0 }) {
            wake.signal()
            finished.wait()
        } else {
            flush()
        }
    }
}
