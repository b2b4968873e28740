internal import CLinux
import Glibc

/// The one place system calls are made: retries EINTR, captures errno at once, surfaces EAGAIN as `nil`.
public enum Syscall {
    /// Runs a call that returns -1 on failure, retrying EINTR; throws SystemError for any other failure.
    @inline(__always)
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
    @inline(__always)
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

    /// Closes a descriptor exactly once. Never retried: after EINTR the descriptor is already gone (Linux close(2)).
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
