/// An AWS access key pair, and a session token for temporary credentials; never printed in full.
public struct AWSCredentials: Sendable {
    /// The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`; it names the key and appears in every signature's scope.
    public let accessKeyId: String
    /// The secret key: it only ever feeds the signing key and must never be logged, sent or recorded.
    public let secretAccessKey: String
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`; as secret as the key.
    public let sessionToken: String?

    /// Creates credentials; an empty session token counts as none.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken?.isEmpty == false ? sessionToken : nil
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, as the AWS SDKs do;
    /// nil unless both the key id and the secret are set and non-empty.
    public static func fromEnvironment(_ environment: [String: String]) -> AWSCredentials? {
        guard let accessKeyId = environment["AWS_ACCESS_KEY_ID"], !accessKeyId.isEmpty,
              let secretAccessKey = environment["AWS_SECRET_ACCESS_KEY"], !secretAccessKey.isEmpty else {
            return nil
        }
        return AWSCredentials(
            accessKeyId: accessKeyId,
            secretAccessKey: secretAccessKey,
            sessionToken: environment["AWS_SESSION_TOKEN"]
        )
    }

    /// The first four characters of the key id, enough to tell keys apart in a log (AWS key ids start `AKIA`/`ASIA`).
    var redactedKeyId: String {
        String(accessKeyId.prefix(4)) + "…(redacted)"
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A redacted summary, e.g. `AKIA…(redacted), with session token`; shows neither the secret nor the token.
    public var description: String {
        redactedKeyId + (sessionToken == nil ? "" : ", with session token")
    }

    /// The same redacted summary, so `String(reflecting:)` and `debugPrint` leak nothing either.
    public var debugDescription: String {
        "AWSCredentials(" + description + ")"
    }

    /// A mirror without the secret or the token, so `dump` and debuggers leak nothing.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "accessKeyId": redactedKeyId,
            "secretAccessKey": "(redacted)",
            "sessionToken": sessionToken == nil ? "none" : "(redacted)",
        ])
    }
}
