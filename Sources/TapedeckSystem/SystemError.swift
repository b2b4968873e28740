import Glibc

/// A failed system call: the call's name, the errno it left, and what it was acting on.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The system call or operation that failed, e.g. `bind`.
    public let call: String
    /// The errno captured right after the call.
    public let errno: Int32
    /// What the call acted on (an address, a path), or empty.
    public let context: String

    /// Creates an error for `call` with the given errno.
    public init(_ call: String, errno: Int32, context: String = "") {
        self.call = call
        self.errno = errno
        self.context = context
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        return context.isEmpty ? "\(call): \(reason)" : "\(call) \(context): \(reason)"
    }
}

/// Lets `catch let error as SystemError where error ~= EAGAIN` read naturally.
public func ~= (code: Int32, error: SystemError) -> Bool { error.errno == code }
