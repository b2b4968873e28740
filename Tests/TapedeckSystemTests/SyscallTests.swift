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
}
