/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`: the first source in every AWS SDK's chain.
public struct EnvironmentCredentials: CredentialProvider {
    /// The environment read.
    public let environment: [String: String]

    /// A provider reading `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    public var name: String { "environment" }

    /// The key pair when both halves are set; a key id without its secret (or the reverse) is an error, as in botocore.
    public func load() throws(CredentialError) -> TimedCredentials? {
        let keyId = environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keyId, secret) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw CredentialError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        case (nil, .some):
            throw CredentialError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (.some(let keyId), .some(let secret)):
            return TimedCredentials(
                AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]))
        }
    }

    /// What `load` looked for, for the chain's error when it found nothing.
    public var notFound: String { "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set" }
}
