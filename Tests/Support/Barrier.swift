import Dispatch
import TapedeckSystem

/// Holds each arriving thread until `parties` threads have arrived (or 10 s pass), then releases them all.
package final class Barrier: Sendable {
    private let parties: Int
    private let arrived = Mutex(0)
    private let gate = DispatchSemaphore(value: 0)
    private let gaveUp = Mutex(false)

    /// Creates a barrier for `parties` threads.
    package init(parties: Int) {
        self.parties = parties
    }

    /// Whether some thread stopped waiting because the others never came.
    package var timedOut: Bool { gaveUp.withLock { $0 } }

    /// Blocks the calling thread (never a Swift concurrency thread) until all parties have arrived.
    package func arriveAndWait() {
        let count = arrived.withLock { count -> Int in
            count += 1
            return count
        }
        if count == parties {
            for _ in 1..<parties { gate.signal() }
            return
        }
        if gate.wait(timeout: .now() + 10) == .timedOut {
            gaveUp.withLock { $0 = true }
        }
    }
}
