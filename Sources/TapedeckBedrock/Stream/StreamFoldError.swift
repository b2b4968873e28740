/// Why a ConverseStream's events could not be folded into a Converse body, or a body turned into events.
public struct StreamFoldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, naming the event, block or member concerned.
    public let reason: String

    /// Creates an error.
    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "cannot convert between ConverseStream events and a Converse body: \(reason)" }

    /// The same error with `context` (an event position, a block) put in front of its reason.
    func within(_ context: String) -> StreamFoldError {
        StreamFoldError(reason: "\(context): \(reason)")
    }

    /// A required member is absent, or present with the wrong JSON type.
    static func missing(_ member: String, expected: String) -> StreamFoldError {
        StreamFoldError(reason: "expected \(member) to be \(expected)")
    }
}
