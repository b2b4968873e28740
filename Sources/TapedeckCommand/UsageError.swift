/// A command line that cannot be run: a one-line reason, and exit status 2.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }

    /// The exit status for a bad command line.
    public static let exitStatus: Int32 = 2
}
