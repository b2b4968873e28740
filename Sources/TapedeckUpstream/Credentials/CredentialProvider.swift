/// One place the AWS SDKs look for credentials (the environment, a profile, the container endpoint, EC2 metadata).
///
/// A provider answers nil when it is not set up at all (the chain then asks the next one, and names this one and
/// `notFound` in its error), credentials when it has them, and throws when it is set up but fails: the chain stops
/// there, as the SDKs do, rather than sign with some other identity the user did not mean.
public protocol CredentialProvider: Sendable {
    /// How the start-up log and errors name the source, e.g. `profile dev (credential_process)`.
    var name: String { get }
    /// Fetches credentials now: nil when the source is not configured.
    func load() throws(CredentialError) -> TimedCredentials?
    /// Why `load` found nothing (what it looked for), for the chain's error.
    var notFound: String { get }
}
