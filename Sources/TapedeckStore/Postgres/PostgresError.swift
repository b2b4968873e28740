/// A failed libpq call: the server's SQLSTATE (empty when the failure was the connection's, not a statement's),
/// libpq's or the server's message, and the SQL or operation it concerns.
///
/// Built only through `PostgresConnection`, which takes the store's password out of every message first: libpq
/// never prints it today, but a message is outside bytes and the password must not reach a log line.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The five-character SQLSTATE, e.g. `40P01` (deadlock) or `57P01` (the server shut down); "" for a
    /// connection failure.
    public let sqlState: String
    /// What libpq or the server said, on one line.
    public let message: String
    /// The SQL that ran, or the operation, e.g. `connect`.
    public let context: String
    /// Whether the connection was lost (or never made): the statement may run again on a fresh one.
    public let connectionLost: Bool

    /// Creates an error from its parts; multi-line text reads as one line, so an error stays one line in a log.
    public init(sqlState: String, message: String, context: String, connectionLost: Bool) {
        self.sqlState = sqlState
        self.message = message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        self.context = context.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        self.connectionLost = connectionLost
    }

    /// `context: message (SQLSTATE xxxxx)`, or `context: message` for a connection failure.
    public var description: String {
        sqlState.isEmpty ? "\(context): \(message)" : "\(context): \(message) (SQLSTATE \(sqlState))"
    }
}

/// Lets `catch let error as PostgresError where "40001" ~= error` read naturally.
public func ~= (sqlState: String, error: PostgresError) -> Bool {
    error.sqlState == sqlState
}
