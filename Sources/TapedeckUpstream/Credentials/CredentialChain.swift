import TapedeckSystem

/// `--aws-sign`'s credentials, looked for where the AWS SDKs' default chain looks, in its order (botocore's
/// `create_credential_resolver`):
/// 1. the environment: `AWS_BEARER_TOKEN_BEDROCK` (a Bedrock API key, sent as `Bearer`), then `AWS_ACCESS_KEY_ID`,
///    `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`;
/// 2. the profile (`AWS_PROFILE`, else `default`) in the shared credentials and config files;
/// 3. the container credentials endpoint;
/// 4. EC2 instance metadata.
///
/// The first source that has credentials gives them; a source that is set up but fails stops the search (as in the
/// SDKs). Either error names every source tried, in order, and never a secret.
public struct CredentialChain: Sendable {
    /// What the chain found.
    public enum Found: Sendable {
        /// A Bedrock API key for `Authorization: Bearer`.
        case bearer(String)
        /// SigV4 credentials, refreshed from their source when they expire.
        case keys(RefreshingCredentials)
    }

    /// The environment every source reads.
    public let environment: [String: String]
    /// The container endpoint source (its timeouts can be changed).
    public var container: ContainerCredentials
    /// The EC2 instance metadata source (its timeouts can be changed).
    public var instanceMetadata: InstanceMetadataCredentials

    /// A chain over `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
        container = ContainerCredentials(environment: environment)
        instanceMetadata = InstanceMetadataCredentials(environment: environment)
    }

    /// Looks through the sources in order; throws naming each source tried when none has credentials or one fails.
    public func resolve() throws(CredentialError) -> Found {
        if let token = environment["AWS_BEARER_TOKEN_BEDROCK"], !token.isEmpty { return .bearer(token) }
        var tried = ["environment (AWS_BEARER_TOKEN_BEDROCK, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set)"]
        for step in 0..<4 {
            do throws(CredentialError) {
                let provider = try self.provider(step)
                if let found = try provider.load() {
                    if let expiration = found.expiration, expiration <= Timestamp.nowSeconds() {
                        throw CredentialError("\(provider.name) gave credentials that expired at \(Timestamp.format(seconds: expiration))")
                    }
                    return .keys(RefreshingCredentials(found, sourceName: provider.name, fetch: Self.refetch(provider)))
                }
                if step > 0 { tried.append("\(provider.name) (\(provider.notFound))") }
            } catch {
                let before = step > 0 ? "tried " + tried.joined(separator: ", ") + ", then " : ""
                throw CredentialError("no usable AWS credentials for --aws-sign: \(before)\(error.message)")
            }
        }
        throw CredentialError("no AWS credentials for --aws-sign: tried " + tried.joined(separator: ", "))
    }

    /// The chain's sources, in order; building the profile's reads its files.
    private func provider(_ step: Int) throws(CredentialError) -> any CredentialProvider {
        switch step {
        case 0: return EnvironmentCredentials(environment: environment)
        case 1: return try ProfileCredentials(environment: environment)
        case 2: return container
        default: return instanceMetadata
        }
    }

    /// Fetches from `provider` again, for `RefreshingCredentials`.
    private static func refetch(_ provider: any CredentialProvider) -> @Sendable () throws(CredentialError) -> TimedCredentials {
        return { () throws(CredentialError) -> TimedCredentials in
            guard let fresh = try provider.load() else {
                throw CredentialError("\(provider.name) no longer has credentials: \(provider.notFound)")
            }
            return fresh
        }
    }
}
