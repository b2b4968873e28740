import Dispatch
import Glibc
import Testing
@testable import TapedeckSystem

@Suite struct SyscallTests {
    /// A pipe whose read end is non-blocking; closed by the caller.
    private func nonBlockingPipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try Syscall.call("pipe") { pipe(&fds) }
        let flags = try Syscall.call("fcntl") { fcntl(fds[0], F_GETFL) }
        _ = try Syscall.call("fcntl") { fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    @Test func readPrefixReadsUpToCountAndFilesThatSayTheyAreEmpty() throws {
        let path = "/tmp/tapedeck-readprefix-\(getpid())"
        defer { unlink(path) }
        let fd = try Syscall.call("open") { open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        try Syscall.writeAll(fd, Array("0123456789".utf8))
        Syscall.close(fd)
        #expect(try Syscall.readPrefix(path, count: 4) == Array("0123".utf8))
        #expect(try Syscall.readPrefix(path, count: 100) == Array("0123456789".utf8), "a shorter file comes whole")
        // /proc files report size 0; they are read until end of file.
        #expect(try Syscall.readPrefix("/proc/self/stat", count: 4096).starts(with: Array("\(getpid()) (".utf8)))
        let missing = #expect(throws: SystemError.self) { try Syscall.readPrefix(path + "-missing", count: 1) }
        #expect(missing?.call == "open")
        #expect(missing?.errno == ENOENT)
    }

    @Test func eagainOnAnEmptyNonBlockingPipeIsNil() throws {
        let (readEnd, writeEnd) = try nonBlockingPipe()
        defer { Syscall.close(readEnd) }
        var buffer = [UInt8](repeating: 0, count: 16)
        let empty = try buffer.withUnsafeMutableBytes { raw in
            try Syscall.nonBlocking("read") { read(readEnd, raw.baseAddress, raw.count) }
        }
        #expect(empty == nil)
        let wrote = write(writeEnd, "hi", 2)
        Syscall.close(writeEnd)
        #expect(wrote == 2)
        let got = try buffer.withUnsafeMutableBytes { raw in
            try Syscall.nonBlocking("read") { read(readEnd, raw.baseAddress, raw.count) }
        }
        #expect(got == 2)
        #expect(buffer[..<2] == [UInt8(ascii: "h"), UInt8(ascii: "i")])
        // End of file is 0, not nil: only "try again" is nil.
        let eof = try buffer.withUnsafeMutableBytes { raw in
            try Syscall.nonBlocking("read") { read(readEnd, raw.baseAddress, raw.count) }
        }
        #expect(eof == 0)
    }

    @Test func callThrowsEAGAINRatherThanHidingIt() throws {
        let (readEnd, writeEnd) = try nonBlockingPipe()
        defer { Syscall.close(readEnd); Syscall.close(writeEnd) }
        var byte: UInt8 = 0
        let error = #expect(throws: SystemError.self) { try Syscall.call("read") { read(readEnd, &byte, 1) } }
        #expect(error?.errno == EAGAIN)
        #expect(error?.call == "read")
    }

    @Test func failuresThrowTheErrnoAndTheName() {
        let error = #expect(throws: SystemError.self) { try Syscall.call("close") { Glibc.close(-1) } }
        #expect(error == SystemError("close", errno: EBADF))
        #expect(error?.description == "close: Bad file descriptor")
        let opened = #expect(throws: SystemError.self) {
            try Syscall.nonBlocking("open /nonexistent") { open("/nonexistent/tapedeck", O_RDONLY) }
        }
        #expect(opened?.errno == ENOENT)
        #expect(opened?.call == "open /nonexistent")
    }

    @Test func eintrIsRetriedByBoth() throws {
        var attempts = 0
        let result = try Syscall.call("fake") { () -> Int32 in
            attempts += 1
            if attempts < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        #expect(result == 7)
        #expect(attempts == 3)
        attempts = 0
        let again = try Syscall.nonBlocking("fake") { () -> Int in
            attempts += 1
            errno = attempts < 3 ? EINTR : EWOULDBLOCK
            return -1
        }
        #expect(again == nil)
        #expect(attempts == 3)
    }

    @Test func onlyMinusOneIsFailure() throws {
        #expect(try Syscall.call("fake") { Int32(-2) } == -2)
        #expect(try Syscall.call("fake") { UInt32.max } == UInt32.max)
    }

    @Test func theNameIsOnlyBuiltOnFailure() throws {
        var built = 0
        func name() -> String {
            built += 1
            return "expensive"
        }
        _ = try Syscall.call(name()) { Int32(0) }
        #expect(built == 0)
        _ = #expect(throws: SystemError.self) { try Syscall.call(name()) { () -> Int32 in errno = EIO; return -1 } }
        #expect(built == 1)
    }

    @Test func interruptibleAnswersNilForEINTRAndRetriesNothing() throws {
        var attempts = 0
        let interrupted = try Syscall.interruptible("fake") { () -> Int32 in
            attempts += 1
            errno = EINTR
            return -1
        }
        #expect(interrupted == nil)
        #expect(attempts == 1)
        #expect(try Syscall.interruptible("poll") { poll(nil, 0, 0) } == 0)
        // poll(2): EINVAL when nfds is over RLIMIT_NOFILE.
        let error = #expect(throws: SystemError.self) { try Syscall.interruptible("poll") { poll(nil, nfds_t(UInt32.max), 0) } }
        #expect(error == SystemError("poll", errno: EINVAL))
    }

    @Test func aFullNonBlockingPipeAnswersNilAndWriteAllThrowsEAGAIN() throws {
        var fds: [Int32] = [-1, -1]
        _ = try Syscall.call("pipe") { pipe(&fds) }
        defer { Syscall.close(fds[0]); Syscall.close(fds[1]) }
        let flags = try Syscall.call("fcntl") { fcntl(fds[1], F_GETFL) }
        _ = try Syscall.call("fcntl") { fcntl(fds[1], F_SETFL, flags | O_NONBLOCK) }
        let block = [UInt8](repeating: 0x2A, count: 4096)
        var queued = 0
        while let n = try Syscall.nonBlocking("write", { block.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } }) {
            queued += n
        }
        #expect(queued >= 4096)
        let error = #expect(throws: SystemError.self) { try Syscall.writeAll(fds[1], [1]) }
        #expect(error == SystemError("write", errno: EAGAIN))
    }

    @Test func writeAllCarriesTheErrnoAndTheCallsName() throws {
        var fds: [Int32] = [-1, -1]
        _ = try Syscall.call("pipe") { pipe(&fds) }
        defer { Syscall.close(fds[0]); Syscall.close(fds[1]) }
        let error = #expect(throws: SystemError.self) { try Syscall.writeAll(fds[0], [1, 2, 3]) }
        #expect(error == SystemError("write", errno: EBADF))
        try Syscall.writeAll(fds[1], [])
    }

    @Test func writeAllFinishesWritesThatSignalsCutShort() throws {
        // A handler without SA_RESTART: a signal makes a blocked write(2) return what it took so far, or EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        _ = try Syscall.call("sigaction") { sigaction(SIGUSR2, &action, nil) }
        var fds: [Int32] = [-1, -1]
        _ = try Syscall.call("pipe") { pipe(&fds) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { Syscall.close(readEnd) }
        // fcntl(2) F_SETPIPE_SZ (1031): one page, so the writer is blocked in write(2) nearly every time it is signalled.
        _ = try Syscall.call("fcntl") { fcntl(writeEnd, 1031, 4096) }
        let sent = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let writer = Mutex<pthread_t>(pthread_t())
        let outcome = Mutex<SystemError?>(nil)
        let started = DispatchSemaphore(value: 0)
        let mayExit = DispatchSemaphore(value: 0)
        let exited = DispatchSemaphore(value: 0)
        OSThread.start(name: "writeAll-test") {
            // A thread inherits its creator's mask, and the test's pool threads block signals.
            var usr2 = sigset_t()
            sigemptyset(&usr2)
            sigaddset(&usr2, SIGUSR2)
            pthread_sigmask(SIG_UNBLOCK, &usr2, nil)
            writer.withLock { $0 = pthread_self() }
            started.signal()
            do throws(SystemError) {
                try Syscall.writeAll(writeEnd, sent)
            } catch {
                outcome.withLock { $0 = error }
            }
            Syscall.close(writeEnd)
            // Stays alive until the last signal is sent, so pthread_kill never names a finished thread.
            mayExit.wait()
            exited.signal()
        }
        started.wait()
        let thread = writer.withLock { $0 }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var signals = 0
        while true {
            let n = try Syscall.call("read") { chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) } }
            if n == 0 { break }
            received += chunk[..<n]
            if pthread_kill(thread, SIGUSR2) == 0 { signals += 1 }
        }
        mayExit.signal()
        exited.wait()
        #expect(outcome.withLock { $0 } == nil)
        #expect(signals > 100)
        #expect(received.count == sent.count)
        // Compared outside #expect, which would print a megabyte twice on failure.
        let inOrder = received == sent
        #expect(inOrder)
    }
}
