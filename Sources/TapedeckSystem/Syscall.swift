internal import CLinux
import Glibc

/// The one place system calls are made: retries EINTR and short writes, captures errno at once, surfaces EAGAIN
/// as `nil`. The wrappers are inlinable: the layers above call them per read and write.
public enum Syscall {
    /// Runs a call that returns -1 on failure, retrying EINTR; throws SystemError for any other failure.
    @inlinable @inline(__always)
    public static func call<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw SystemError(name(), errno: code)
        }
    }

    /// Like `call`, but answers `nil` for EAGAIN/EWOULDBLOCK so non-blocking callers can wait for readiness.
    @inlinable @inline(__always)
    public static func nonBlocking<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T? {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SystemError(name(), errno: code)
        }
    }

    /// Like `call`, but answers `nil` for EINTR instead of retrying: for waits with a timeout, whose caller must
    /// work out the time left rather than start the whole wait again (epoll_wait(2) is never restarted).
    @inlinable @inline(__always)
    public static func interruptible<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T? {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if code == EINTR { return nil }
        throw SystemError(name(), errno: code)
    }

    /// Writes every byte of `bytes` to a blocking `fd`, retrying EINTR and short writes (write(2) may take fewer
    /// bytes than asked, e.g. when a signal arrives mid-write); any other failure, EAGAIN included, throws `write`.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            let n = try call("write") { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) } }
            // write(2) takes nothing only when asked for nothing; report it rather than spin on it.
            if n == 0 { throw SystemError("write", errno: EIO) }
            written += n
        }
    }

    /// The first `count` bytes of the file at `path`, fewer when it ends sooner: read until end of file, so files whose
    /// size reads as 0 (`/proc`) come whole; `open` or `read` failing throws.
    public static func readPrefix(_ path: String, count: Int) throws(SystemError) -> [UInt8] {
        let fd = try call("open") { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = try call("read") { bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) } }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes[..<filled])
    }

    /// Closes a descriptor exactly once. Never retried: after EINTR the descriptor is already gone (Linux close(2)).
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
