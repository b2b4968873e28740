/// Why a request could not be read: the status to answer with and a message a person can act on.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status to answer with (400, 408, 413, 431, 501, 505).
    public let status: Int
    /// What was wrong, in one line.
    public let message: String

    /// Creates an error.
    public init(status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status): \(message)" }

    static func badRequest(_ message: String) -> HTTPError { HTTPError(status: 400, message) }
}
