/// One thing worth logging: how serious it is, a short fixed message naming what happened, and its details.
///
/// The message is the same words every time an event of its kind happens (`request`, `listening`, `not recorded`),
/// so logs can be filtered on it; anything that varies goes in a field.
public struct LogEvent: Sendable, Equatable {
    public var level: LogLevel
    public var message: String
    public var fields: [LogField]

    /// Creates an event.
    public init(_ level: LogLevel, _ message: String, _ fields: [LogField] = []) {
        self.level = level
        self.message = message
        self.fields = fields
    }
}
