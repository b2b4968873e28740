import Dispatch

/// A one-shot latch that tests release by hand.
package final class Gate: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    /// A closed gate.
    package init() {}

    /// Lets one waiter through.
    package func open() { semaphore.signal() }

    /// Waits until the gate is opened.
    package func wait() { semaphore.wait() }
}
