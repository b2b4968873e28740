import Foundation

/// Counts hits per cassette and misses per model in memory and adds them to the store in batches, never a
/// write per hit: every `intervalSeconds` on its own thread, and once more when stopped.
public final class UsageLedger: @unchecked Sendable {
    private let store: CassetteStore
    private let log: RequestLog
    private let pending = Mutex(UsageCounts())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = Mutex(false)
    private let running = Mutex(false)
    private let intervalSeconds: Double

    /// Creates a ledger for `store`; call `start` to flush periodically.
    public init(store: CassetteStore, log: RequestLog, intervalSeconds: Double = 5) {
        self.store = store
        self.log = log
        self.intervalSeconds = intervalSeconds
    }

    /// Starts the thread that flushes every interval.
    public func start() {
        running.withLock { $0 = true }
        let thread = Thread { [self] in
            // Flush after every wait, the one `stop` cuts short included, so nothing noted before `stop` is lost.
            repeat {
                _ = wake.wait(timeout: .now() + intervalSeconds)
                flush()
            } while !stopping.withLock({ $0 })
            finished.signal()
        }
        thread.name = "tapedeck-ledger"
        thread.start()
    }

    /// Notes one hit of `key` now.
    public func hit(_ key: CacheKey) {
        let now = Int(Date().timeIntervalSince1970)
        pending.withLock { $0.hit(key, at: now) }
    }

    /// Notes one miss for `model`.
    public func miss(model: String) {
        pending.withLock { $0.miss(model: model) }
    }

    /// Adds what is pending to the store; on failure the counts are kept for the next try.
    public func flush() {
        let batch = pending.withLock { counts -> UsageCounts in
            let taken = counts
            counts = UsageCounts()
            return taken
        }
        guard !batch.isEmpty else { return }
        do {
            try store.addUsage(batch)
        } catch {
            log.warn("cannot save hit counts", [LogField("error", "\(error)"), LogField("action", "keep them for the next try")])
            pending.withLock { $0.add(batch) }
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
