import Dispatch
import Glibc
import Testing
@testable import TapedeckSystem

struct WorkerPoolTests {
    @Test func everySubmittedTaskRunsOnceOnAPoolThread() {
        let pool = WorkerPool(name: "test-pool", threads: 3)
        let ran = Mutex([Int: Int]())
        let threads = Mutex(Set<pthread_t>())
        let submitter = pthread_self()
        for index in 0..<2000 {
            pool.submit {
                ran.withLock { $0[index, default: 0] += 1 }
                threads.withLock { _ = $0.insert(pthread_self()) }
            }
        }
        pool.waitUntilIdle()
        #expect(ran.withLock { $0.count } == 2000)
        #expect(ran.withLock { $0.values.allSatisfy { $0 == 1 } })
        // Run by the pool's three threads, never the submitter's.
        #expect(threads.withLock { (1...3).contains($0.count) && !$0.contains(submitter) })
        pool.stop()
    }

    @Test func aBlockedTaskHoldsOneThreadAndTheOthersKeepRunning() {
        let pool = WorkerPool(name: "blocked", threads: 2)
        let release = DispatchSemaphore(value: 0)
        let blockedStarted = DispatchSemaphore(value: 0)
        pool.submit {
            blockedStarted.signal()
            release.wait()
        }
        blockedStarted.wait()
        // With one thread held, the other still works through the queue.
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<100 { pool.submit { done.signal() } }
        for _ in 0..<100 { done.wait() }
        // The last task has signalled; its thread counts it finished just after.
        var settled = pool.unfinishedCount
        for _ in 0..<10_000 where settled > 1 {
            usleep(1000)
            settled = pool.unfinishedCount
        }
        #expect(settled == 1)
        release.signal()
        pool.waitUntilIdle()
        #expect(pool.unfinishedCount == 0)
        pool.stop()
    }

    @Test func workSubmittedByATaskIsWaitedForAndNothingIsDroppedAfterStop() {
        let pool = WorkerPool(name: "nested", threads: 1)
        let count = Mutex(0)
        pool.submit {
            count.withLock { $0 += 1 }
            pool.submit { count.withLock { $0 += 1 } }
        }
        pool.waitUntilIdle()
        #expect(count.withLock { $0 } == 2)
        pool.stop()
        // After stop, work runs on the caller's thread, at once.
        pool.submit { count.withLock { $0 += 1 } }
        #expect(count.withLock { $0 } == 3)
        pool.stop()
    }

    @Test func onOneThreadTasksRunInTheOrderSubmitted() {
        let pool = WorkerPool(name: "ordered", threads: 1)
        let order = Mutex([Int]())
        for index in 0..<3000 { pool.submit { order.withLock { $0.append(index) } } }
        pool.waitUntilIdle()
        #expect(order.withLock { $0 } == Array(0..<3000))
        pool.stop()
    }
}
