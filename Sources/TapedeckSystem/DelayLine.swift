import Dispatch

/// One thread that runs short hand-offs once their deadlines pass: the timers of waits that must not hold a worker
/// (or depend on Dispatch's shared threads, which a busy process can keep from running them) while they wait.
///
/// What it runs must be quick, typically a `WorkerPool.submit`: everything due after it waits behind it.
public final class DelayLine: Sendable {
    /// The process's delay line, its thread started on first use.
    public static let shared = DelayLine(name: "tapedeck-delay")

    private struct Entry {
        var due: UInt64
        var work: @Sendable () -> Void
    }

    private struct State {
        /// Ordered by deadline; entries with one deadline in the order they were added.
        var entries: [Entry] = []
    }

    private let state = Mutex(State())
    /// Signalled whenever an entry is added, so the thread looks again at the earliest deadline.
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the thread, named `name`.
    public init(name: String) {
        OSThread.start(name: name) { [self] in run() }
    }

    /// Runs `work` on the delay line's thread once `milliseconds` (at least 0) have passed.
    public func after(milliseconds: Int, _ work: @escaping @Sendable () -> Void) {
        let due = MonotonicClock.nanoseconds() &+ UInt64(max(milliseconds, 0)) &* 1_000_000
        state.withLock { state in
            // After every entry due no later, so equal deadlines keep their order.
            var low = 0
            var high = state.entries.count
            while low < high {
                let middle = (low + high) / 2
                if state.entries[middle].due <= due { low = middle + 1 } else { high = middle }
            }
            state.entries.insert(Entry(due: due, work: work), at: low)
        }
        wake.signal()
    }

    /// How many hand-offs are waiting for their deadlines.
    public var waitingCount: Int { state.withLock { $0.entries.count } }

    private func run() {
        while true {
            let now = MonotonicClock.nanoseconds()
            let (ready, next) = state.withLock { state -> ([Entry], UInt64?) in
                let dueCount = state.entries.prefix { $0.due <= now }.count
                let ready = Array(state.entries.prefix(dueCount))
                state.entries.removeFirst(dueCount)
                return (ready, state.entries.first?.due)
            }
            for entry in ready { entry.work() }
            if let next {
                // A signal meanwhile (a new entry, maybe due sooner) ends the wait early; so does a stale one.
                let after = MonotonicClock.nanoseconds()
                let remaining = next > after ? next - after : 0
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(remaining, UInt64(Int.max)))))
            } else {
                wake.wait()
            }
        }
    }
}
