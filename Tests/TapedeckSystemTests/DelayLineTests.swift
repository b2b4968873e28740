import Dispatch
import Glibc
import Testing
@testable import TapedeckSystem

struct DelayLineTests {
    @Test func workRunsNoEarlierThanItsDeadlineInDeadlineOrder() {
        let line = DelayLine(name: "test-delay")
        let order = Mutex([Int]())
        let early = Mutex([Int]())
        let done = DispatchSemaphore(value: 0)
        // Added out of order; equal deadlines keep the order they were added in.
        let delays = [(0, 40), (1, 5), (2, 20), (3, 5), (4, 0)]
        for (index, delay) in delays {
            let due = MonotonicClock.nanoseconds() + UInt64(delay) * 1_000_000
            line.after(milliseconds: delay) {
                if MonotonicClock.nanoseconds() < due { early.withLock { $0.append(index) } }
                order.withLock { $0.append(index) }
                done.signal()
            }
        }
        for _ in delays { done.wait() }
        #expect(early.withLock { $0 } == [])
        #expect(order.withLock { $0 } == [4, 1, 3, 2, 0])
        #expect(line.waitingCount == 0)
    }

    @Test func aSoonerDeadlineAddedDuringALongWaitIsNotHeldBehindIt() {
        let line = DelayLine(name: "test-delay-2")
        let ran = DispatchSemaphore(value: 0)
        let longRan = Mutex(false)
        // The thread is asleep until this one is due, an hour from now.
        line.after(milliseconds: 3_600_000) { longRan.withLock { $0 = true } }
        line.after(milliseconds: 1) { ran.signal() }
        ran.wait()
        #expect(longRan.withLock { $0 } == false)
        #expect(line.waitingCount == 1)
    }

    /// Hand-offs run on the line's own named thread, never on Dispatch's shared threads (which a busy process can
    /// keep from running them) or the caller's.
    @Test func handOffsRunOnTheLinesOwnThread() {
        let line = DelayLine(name: "test-delay-own")
        let names = Mutex([String]())
        let done = DispatchSemaphore(value: 0)
        for delay in [0, 3] {
            line.after(milliseconds: delay) {
                var buffer = [CChar](repeating: 0, count: 64)
                let fd = open("/proc/thread-self/comm", O_RDONLY)
                let n = fd < 0 ? 0 : read(fd, &buffer, 63)
                if fd >= 0 { close(fd) }
                let name = String(decoding: buffer[..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                names.withLock { $0.append(name.hasSuffix("\n") ? String(name.dropLast()) : name) }
                done.signal()
            }
        }
        done.wait()
        done.wait()
        #expect(names.withLock { $0 } == ["test-delay-own", "test-delay-own"])
    }
}
