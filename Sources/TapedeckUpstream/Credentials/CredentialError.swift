/// Why `--aws-sign` found no usable AWS credentials, or a source failed; its message never holds a secret.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong and where (a file, a URL, a profile), in one line without any credential.
    public let message: String

    /// Creates an error with `message`, which the caller guarantees holds no secret.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
