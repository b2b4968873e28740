import Dispatch
import Testing
@testable import TapedeckSystem

@Suite struct MutexTests {
    @Test func concurrentIncrementsAreNotLost() {
        let counter = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }
}
