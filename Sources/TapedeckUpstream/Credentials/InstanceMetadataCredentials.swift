/// The EC2 instance metadata service (IMDSv2), as botocore's `InstanceMetadataProvider` uses it.
///
/// `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` gives a session token; with it in
/// `X-aws-ec2-metadata-token`, `GET /latest/meta-data/iam/security-credentials/` names the instance's role and
/// `GET .../ROLE` answers `{"Code": "Success", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`. When the
/// token call is refused as unsupported (403, 404 or 405), the GETs go without a token (IMDSv1), as botocore does.
/// The endpoint is `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `http://[fd00:ec2::254]` with
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`, else `http://169.254.169.254`; `AWS_EC2_METADATA_DISABLED=true`
/// skips the service. Timeouts are short (1 s, botocore's default, one attempt) so a machine off EC2 fails fast.
public struct InstanceMetadataCredentials: CredentialProvider {
    /// The path that names the role, and under which the role's credentials are.
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"
    /// The token's lifetime asked for, in seconds (botocore's 21600, six hours).
    static let tokenTTLSeconds = "21600"

    /// The environment read.
    public let environment: [String: String]
    /// The connect timeout, in milliseconds.
    public var connectTimeoutMs = 1000
    /// Each call's timeout, in milliseconds.
    public var timeoutMs = 1000

    /// A provider reading `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    public var name: String { "EC2 instance metadata" }

    public var notFound: String {
        isDisabled ? "AWS_EC2_METADATA_DISABLED=true" : "no answer from \(endpoint)"
    }

    /// Whether `AWS_EC2_METADATA_DISABLED` is `true` (any case).
    public var isDisabled: Bool { environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" }

    /// The service's base URL, without a trailing `/`.
    public var endpoint: String {
        if let url = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"], !url.isEmpty {
            return url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6" { return "http://[fd00:ec2::254]" }
        return "http://169.254.169.254"
    }

    /// The role's credentials; nil when disabled or when the service does not answer (not on EC2). An answer that
    /// is there but wrong (no role, a bad document) throws.
    public func load() throws(CredentialError) -> TimedCredentials? {
        guard !isDisabled else { return nil }
        let client = try MetadataClient()
        func call(_ method: String, _ path: String, _ headers: [(String, String)]) throws(CredentialError) -> MetadataClient.Answer {
            try client.call(method, endpoint + path, headers: headers, connectTimeoutMs: connectTimeoutMs, timeoutMs: timeoutMs)
        }
        let tokenAnswer: MetadataClient.Answer
        do {
            tokenAnswer = try call("PUT", "/latest/api/token", [("X-aws-ec2-metadata-token-ttl-seconds", Self.tokenTTLSeconds)])
        } catch {
            return nil  // No metadata service here: the chain's error says nothing answered.
        }
        var headers: [(String, String)] = []
        switch tokenAnswer.status {
        case 200:
            let token = String(decoding: tokenAnswer.body, as: UTF8.self)
            guard !token.isEmpty, !token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
                throw CredentialError("\(name) \(endpoint): its session token is empty or not one line")
            }
            headers = [("X-aws-ec2-metadata-token", token)]
        case 403, 404, 405:
            break  // IMDSv1 only (botocore falls back the same way).
        default:
            throw CredentialError("\(name) \(endpoint): PUT /latest/api/token answered HTTP \(tokenAnswer.status)")
        }
        let roles = try call("GET", Self.credentialsPath, headers)
        guard roles.status == 200 else {
            throw CredentialError("\(name) \(endpoint): no instance role (GET \(Self.credentialsPath) answered HTTP \(roles.status))")
        }
        let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !role.isEmpty, role.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") }) else {
            throw CredentialError("\(name) \(endpoint): the instance has no usable role name")
        }
        let answer = try call("GET", Self.credentialsPath + role, headers)
        guard answer.status == 200 else {
            throw CredentialError("\(name) \(endpoint): GET \(Self.credentialsPath)\(role) answered HTTP \(answer.status)")
        }
        return try CredentialDocument.parse(answer.body, shape: .metadata, origin: "\(name) role \(role)")
    }
}
