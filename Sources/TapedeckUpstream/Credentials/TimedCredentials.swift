/// Credentials as a source handed them out: temporary ones carry the time they stop working.
public struct TimedCredentials: Sendable {
    /// The key pair and session token.
    public var credentials: AWSCredentials
    /// When they expire, in seconds since the Unix epoch; nil for long-term keys that do not expire.
    public var expiration: Int?

    /// Credentials expiring at `expiration` (nil: never).
    public init(_ credentials: AWSCredentials, expiration: Int? = nil) {
        self.credentials = credentials
        self.expiration = expiration
    }
}
