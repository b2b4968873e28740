import TapedeckHTTP
import TapedeckSystem

/// A profile with `role_arn`: credentials from STS `AssumeRole`, signed with the credentials of its `source_profile`
/// (its keys if it has any, else its own role, assumed first; a loop is an error) or of its `credential_source` (`Environment`,
/// `Ec2InstanceMetadata`, `EcsContainer`), as botocore's `AssumeRoleProvider` does.
///
/// The call is `POST /` of `Action=AssumeRole&Version=2011-06-15&RoleArn=…&RoleSessionName=…` (plus `DurationSeconds`
/// from `duration_seconds` and `ExternalId` from `external_id`) to `AWS_ENDPOINT_URL_STS`, else the regional endpoint
/// `https://sts.REGION.amazonaws.com` for `AWS_REGION`/`AWS_DEFAULT_REGION`/the profile's `region`, else the global
/// `https://sts.amazonaws.com` (signed for `us-east-1`). The session name is `role_session_name`, else
/// `tapedeck-SECONDS`. `mfa_serial` needs a code typed at a prompt, which a server cannot ask for: it is refused.
public struct AssumeRoleCredentials: CredentialProvider {
    /// The role profile's name.
    public let profileName: String
    /// The role to assume.
    public let roleArn: String
    /// Where the credentials that call STS come from.
    public let source: any CredentialProvider
    /// The STS endpoint, without a trailing `/`.
    public let endpoint: String
    /// The region the STS call is signed for.
    public let signingRegion: String
    /// The form fields after `Action` and `Version`, in order.
    let parameters: [(String, String)]

    /// The role profile `profile`; `visited` holds the profiles already on the way here (a loop is an error).
    init(profile: SharedProfile, environment: [String: String], visited: [String]) throws(CredentialError) {
        let label = "profile \(profile.name)"
        guard let roleArn = profile.value("role_arn") else { throw CredentialError("\(label) has no role_arn") }
        if profile.value("mfa_serial") != nil {
            throw CredentialError("\(label) asks for an MFA code (mfa_serial), which --aws-sign cannot prompt for; give another "
                                  + "profile credential_process = aws configure export-credentials --profile \(profile.name) --format process")
        }
        profileName = profile.name
        self.roleArn = roleArn
        source = try Self.source(of: profile, environment: environment, visited: visited + [profile.name])
        let region = [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], profile.value("region")]
            .compactMap { $0 }.first { AWSRegion.isRegionName($0) }
        if let url = environment["AWS_ENDPOINT_URL_STS"], !url.isEmpty {
            endpoint = url.hasSuffix("/") ? String(url.dropLast()) : url
        } else {
            endpoint = region.map { "https://sts.\($0).amazonaws.com" } ?? "https://sts.amazonaws.com"
        }
        signingRegion = region ?? "us-east-1"
        var parameters = [
            ("RoleArn", roleArn),
            ("RoleSessionName", profile.value("role_session_name") ?? "tapedeck-\(Timestamp.nowSeconds())"),
        ]
        if let duration = profile.value("duration_seconds") {
            guard let seconds = Int(duration), (900...43_200).contains(seconds) else {
                throw CredentialError("\(label)'s duration_seconds must be 900 to 43200")
            }
            parameters.append(("DurationSeconds", String(seconds)))
        }
        if let externalId = profile.value("external_id") { parameters.append(("ExternalId", externalId)) }
        self.parameters = parameters
    }

    public var name: String { "profile \(profileName) (role_arn, source \(source.name))" }

    public var notFound: String { "no credentials" }

    /// Asks STS for the role's credentials with fresh source credentials.
    public func load() throws(CredentialError) -> TimedCredentials? {
        guard let caller = try source.load() else {
            throw CredentialError("profile \(profileName): its source \(source.name) has no credentials (\(source.notFound))")
        }
        let body = Array((["Action=AssumeRole", "Version=2011-06-15"] + parameters.map { "\($0.0)=\(Self.formEncoded($0.1))" })
            .joined(separator: "&").utf8)
        let url = endpoint + "/"
        let signer = SigV4Signer(credentials: caller.credentials, region: signingRegion, service: "sts")
        let signed = signer.sign(
            method: "POST", url: url,
            headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]),
            body: body, date: Timestamp.nowSeconds(), credentials: caller.credentials)
        let origin = "profile \(profileName): STS AssumeRole \(roleArn) at \(CurlError.redact(endpoint))"
        let answer = try MetadataClient().call(
            "POST", url, headers: signed.map { ($0.name, $0.value) }, body: body, connectTimeoutMs: 5000, timeoutMs: 30_000)
        guard answer.status == 200 else {
            let reason = STSResponse.error(answer.body).map { ": \($0)" } ?? ""
            throw CredentialError("\(origin) answered HTTP \(answer.status)\(reason)")
        }
        return try STSResponse.credentials(answer.body, origin: origin)
    }

    /// The provider whose credentials call STS for `profile`.
    private static func source(of profile: SharedProfile, environment: [String: String], visited: [String]) throws(CredentialError) -> any CredentialProvider {
        let label = "profile \(profile.name)"
        switch (profile.value("source_profile"), profile.value("credential_source")) {
        case (.some, .some):
            throw CredentialError("\(label) has both source_profile and credential_source; it needs one")
        case (nil, nil):
            throw CredentialError("\(label) has role_arn but neither source_profile nor credential_source")
        case (nil, .some(let source)):
            switch source {
            case "Environment": return EnvironmentCredentials(environment: environment)
            case "Ec2InstanceMetadata": return InstanceMetadataCredentials(environment: environment)
            case "EcsContainer": return ContainerCredentials(environment: environment)
            default:
                throw CredentialError("\(label)'s credential_source must be Environment, Ec2InstanceMetadata or EcsContainer")
            }
        case (.some(let name), nil):
            let sourceProfile = try SharedProfile.load(environment: environment, name: name)
            guard sourceProfile.exists else { throw CredentialError("\(label)'s source_profile \(name) is not in \(sourceProfile.places)") }
            // botocore: a source profile with keys (even one naming itself) signs with them rather than assume its
            // own role; one without a role gives what it holds (credential_process, say).
            if sourceProfile.value("aws_access_key_id") != nil || sourceProfile.value("role_arn") == nil {
                return try ProfileCredentials(profile: sourceProfile, environment: environment, assumingRoles: false)
            }
            guard !visited.contains(name) else {
                throw CredentialError("\(label)'s source_profile makes a loop: \((visited + [name]).joined(separator: " → "))")
            }
            guard visited.count < 8 else { throw CredentialError("\(label): more than 8 role profiles in a row") }
            return try AssumeRoleCredentials(profile: sourceProfile, environment: environment, visited: visited)
        }
    }

    /// `application/x-www-form-urlencoded` as AWS's Query protocol signs it: RFC 3986 unreserved bytes as they are,
    /// every other byte `%XX`.
    static func formEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }
}
