/// The credentials a profile of the AWS shared files holds, in botocore's order within a profile: static keys in the
/// credentials file, then `credential_process`, then static keys in the config file.
///
/// A profile with `role_arn` assumes that role first (`AssumeRoleCredentials`). Profiles that use a web identity
/// (`web_identity_token_file`) or IAM Identity Center (`sso_session`, `sso_start_url`) need calls Tapedeck does not
/// make; such a profile is an error that says so and names the way round it: a `credential_process` running the AWS
/// CLI's `aws configure export-credentials --profile NAME --format process`.
public struct ProfileCredentials: CredentialProvider {
    /// Where the profile's credentials come from.
    public enum Kind: Sendable {
        /// `aws_access_key_id` and `aws_secret_access_key` (and `aws_session_token`) in one of the files.
        case keys(TimedCredentials, file: String)
        /// A command to run for each fetch.
        case process(CredentialProcess)
        /// A role to assume with STS.
        case assumeRole(AssumeRoleCredentials)
        /// The profile holds no credentials; why.
        case none(String)
    }

    /// The profile read.
    public let profile: SharedProfile
    /// What the profile holds.
    public let kind: Kind

    /// Reads the profile `environment` names; throws when its files cannot be read, when the profile was asked for
    /// by name and does not exist, or when it holds credentials Tapedeck cannot use.
    public init(environment: [String: String]) throws(CredentialError) {
        try self.init(profile: SharedProfile.load(environment: environment), environment: environment, assumingRoles: true)
    }

    /// The credentials `profile` holds; with `assumingRoles: false` its `role_arn` is not followed (a role's source).
    init(profile: SharedProfile, environment: [String: String], assumingRoles: Bool) throws(CredentialError) {
        self.profile = profile
        kind = try Self.kind(of: profile, environment: environment, assumingRoles: assumingRoles)
    }

    public var name: String {
        switch kind {
        case .keys(_, let file): return "profile \(profile.name) (\(file))"
        case .process: return "profile \(profile.name) (credential_process)"
        case .assumeRole(let role): return role.name
        case .none: return "profile \(profile.name)"
        }
    }

    public var notFound: String {
        if case .none(let reason) = kind { return reason }
        return "no credentials"
    }

    /// The keys, or the command's fresh output.
    public func load() throws(CredentialError) -> TimedCredentials? {
        switch kind {
        case .keys(let credentials, _): return credentials
        case .process(let process): return try process.fetch(origin: "profile \(profile.name)")
        case .assumeRole(let role): return try role.load()
        case .none: return nil
        }
    }

    private static func kind(of profile: SharedProfile, environment: [String: String], assumingRoles: Bool) throws(CredentialError) -> Kind {
        let label = "profile \(profile.name)"
        guard profile.exists else {
            let places = profile.places.isEmpty ? "no shared files (HOME is not set)" : profile.places
            if profile.isExplicit { throw CredentialError("\(label) (AWS_PROFILE) is not in \(places)") }
            return .none("not in \(places)")
        }
        let unsupported = [
            ("web_identity_token_file", "uses a web identity token"),
            ("sso_session", "uses IAM Identity Center"), ("sso_start_url", "uses IAM Identity Center"),
        ]
        if let (key, what) = unsupported.first(where: { profile.value($0.0) != nil }) {
            throw CredentialError(
                "\(label) \(what) (\(key)), which --aws-sign does not support; give it credential_process = "
                    + "aws configure export-credentials --profile \(profile.name) --format process in another profile")
        }
        // botocore's order: a role profile assumes its role, whatever else it holds.
        if assumingRoles, profile.value("role_arn") != nil {
            return .assumeRole(try AssumeRoleCredentials(profile: profile, environment: environment, visited: []))
        }
        if let keys = try keys(in: profile.credentialsSection, label: label, file: profile.credentialsPath) {
            return .keys(keys, file: "credentials file")
        }
        if let command = profile.value("credential_process") {
            return .process(CredentialProcess(commandLine: command, environment: environment))
        }
        if let keys = try keys(in: profile.configSection, label: label, file: profile.configPath) {
            return .keys(keys, file: "config file")
        }
        return .none("neither keys nor credential_process in \(profile.places)")
    }

    private static func keys(in section: [String: String]?, label: String, file: String?) throws(CredentialError) -> TimedCredentials? {
        let value: (String) -> String? = { key in section?[key].flatMap { $0.isEmpty ? nil : $0 } }
        guard let keyId = value("aws_access_key_id") else { return nil }
        guard let secret = value("aws_secret_access_key") else {
            throw CredentialError("\(label) in \(file ?? "its file") has aws_access_key_id but no aws_secret_access_key")
        }
        return TimedCredentials(AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: value("aws_session_token")))
    }
}
