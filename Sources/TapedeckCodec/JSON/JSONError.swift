/// A JSON document that could not be parsed, or a value that could not be encoded.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the input where parsing failed, or `JSONError.notInInput` for encoding errors.
    public let offset: Int
    /// What was wrong, phrased as the expectation that failed (e.g. `expected ':' after object key`).
    public let reason: String

    /// The `offset` of an error raised while encoding a value rather than while reading bytes.
    public static let notInInput = -1

    /// Creates a parse error at byte `offset` of the input.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// Creates an error raised while encoding a value (there is no input offset).
    public static func encoding(_ reason: String) -> JSONError {
        JSONError(offset: notInInput, reason: reason)
    }

    /// Whether the error came from encoding a value rather than from parsing bytes.
    public var isEncodingError: Bool { offset == Self.notInInput }

    public var description: String {
        if isEncodingError { return "cannot encode JSON: \(reason)" }
        return "invalid JSON at byte \(offset): \(reason)"
    }
}
