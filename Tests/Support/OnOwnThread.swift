import Foundation

/// Runs blocking `body` on a thread of its own and suspends until it returns, keeping Swift's pool free.
package func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
