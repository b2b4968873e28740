/// Why a subcommand stopped: a one-line reason and its exit status (1 for an operational failure, 2 for a bad command line).
public struct CommandFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let status: Int32

    /// An operational failure (unreadable store, unknown key prefix): exit status 1.
    public init(_ reason: String) {
        self.reason = reason
        self.status = 1
    }

    /// A command line that cannot be run, found only once the command started (an unknown store kind): exit status 2.
    public init(usage: UsageError) {
        self.reason = usage.reason
        self.status = UsageError.exitStatus
    }

    public var description: String { reason }
}
