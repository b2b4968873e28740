import Foundation
import Dispatch
import TapedeckSystem

/// Runs blocking `body` on a thread of its own and suspends until it returns, keeping Swift's pool free.
package func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Work started at once on a thread of its own, whose result is awaited later: unlike a `Task`, it never waits
/// for a free thread in Swift concurrency's small pool, which other tests' blocking waits can hold for seconds.
package final class Started<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Starts `body` now.
    package init(_ body: @escaping @Sendable () throws -> T) {
        Thread { [result, done] in
            let outcome = Result { try body() }
            result.withLock { $0 = outcome }
            done.signal()
        }.start()
    }

    /// The body's result, once it has finished, blocking the caller until then.
    package func wait() throws -> T {
        done.wait()
        done.signal()
        return try result.withLock { $0! }.get()
    }

}
