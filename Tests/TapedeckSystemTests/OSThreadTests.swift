import Dispatch
import Foundation
import Glibc
import Testing
@testable import TapedeckSystem

@Suite struct OSThreadTests {
    /// The body runs on a new thread (not the caller's), under the name given, cut to the kernel's 15 bytes.
    @Test func theBodyRunsOnANewThreadUnderItsName() throws {
        let done = DispatchSemaphore(value: 0)
        let seen = Mutex<(name: String, thread: pthread_t?)>(("", nil))
        OSThread.start(name: "tapedeck-test-thread-long-name", stackSize: 1 << 20) {
            var buffer = [CChar](repeating: 0, count: 64)
            let fd = open("/proc/thread-self/comm", O_RDONLY)
            let n = fd < 0 ? 0 : read(fd, &buffer, 63)
            if fd >= 0 { close(fd) }
            let name = String(decoding: buffer[..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            seen.withLock { $0 = (name.trimmingSuffixNewline, pthread_self()) }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 20) == .success)
        let (name, thread) = seen.withLock { $0 }
        #expect(name == "tapedeck-test-t")
        #expect(thread.map { pthread_equal($0, pthread_self()) == 0 } == true)
    }

    /// The name is there as soon as `start` returns, before the body has run (CI once read a thread's name in that
    /// gap and saw the process's).
    @Test func theNameIsSetBeforeStartReturns() throws {
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        OSThread.start(name: "tapedeck-gated") {
            gate.wait()
            done.signal()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").map { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.trimmingSuffixNewline ?? ""
        }
        gate.signal()
        #expect(done.wait(timeout: .now() + 20) == .success)
        #expect(names.contains("tapedeck-gated"), "\(names)")
    }

    /// Many threads at once each run their body exactly once.
    @Test func everyStartedBodyRunsOnce() {
        let count = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        for index in 0..<32 {
            OSThread.start(name: "t\(index)") {
                count.withLock { $0 += 1 }
                done.signal()
            }
        }
        for _ in 0..<32 { _ = done.wait(timeout: .now() + 20) }
        #expect(count.withLock { $0 } == 32)
    }
}

private extension String {
    var trimmingSuffixNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
