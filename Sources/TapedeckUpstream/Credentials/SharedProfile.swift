/// One profile of the AWS shared files, as the AWS CLI and SDKs find it.
///
/// The profile is `AWS_PROFILE` (then `AWS_DEFAULT_PROFILE`, botocore's older name), else `default`. The credentials
/// file is `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`, with sections named `[NAME]`; the config file is
/// `AWS_CONFIG_FILE`, else `~/.aws/config`, with sections `[profile NAME]` and, for the default profile, `[default]`.
/// A setting in the credentials file wins over the same setting in the config file (botocore's `full_config`).
public struct SharedProfile: Sendable {
    /// The profile's name.
    public let name: String
    /// Whether the name was chosen by `AWS_PROFILE`/`AWS_DEFAULT_PROFILE` (a missing profile is then an error).
    public let isExplicit: Bool
    /// The credentials file's path (it may not exist).
    public let credentialsPath: String?
    /// The config file's path (it may not exist).
    public let configPath: String?
    /// The profile's section in the credentials file, nil when there is none.
    public let credentialsSection: [String: String]?
    /// The profile's section in the config file, nil when there is none.
    public let configSection: [String: String]?

    /// Finds the profile `environment` names in the files it names; throws when a file exists but cannot be read
    /// or parsed. `name` reads that profile instead (a `source_profile`), as if chosen explicitly.
    public static func load(
        environment: [String: String], name asked: String? = nil, limits: SharedConfigFile.Limits = SharedConfigFile.Limits()
    ) throws(CredentialError) -> SharedProfile {
        let chosen = asked ?? [environment["AWS_PROFILE"], environment["AWS_DEFAULT_PROFILE"]].compactMap { $0 }.first { !$0.isEmpty }
        let name = chosen ?? "default"
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        let credentialsPath = nonEmpty(environment["AWS_SHARED_CREDENTIALS_FILE"]).map { expand($0, home: home) }
            ?? home.map { $0 + "/.aws/credentials" }
        let configPath = nonEmpty(environment["AWS_CONFIG_FILE"]).map { expand($0, home: home) }
            ?? home.map { $0 + "/.aws/config" }
        let credentials = try credentialsPath.flatMap { path throws(CredentialError) in try SharedConfigFile.load(path: path, limits: limits) }
        let config = try configPath.flatMap { path throws(CredentialError) in try SharedConfigFile.load(path: path, limits: limits) }
        // botocore's profile map: `[profile NAME]` in the config file, and `[default]` for the default profile;
        // `[profile default]` counts too, and wins.
        var configSection = config?.sections["profile \(name)"]
        if name == "default", configSection == nil { configSection = config?.sections["default"] }
        return SharedProfile(
            name: name, isExplicit: chosen != nil, credentialsPath: credentialsPath, configPath: configPath,
            credentialsSection: credentials?.sections[name], configSection: configSection)
    }

    /// Whether either file has a section for the profile.
    public var exists: Bool { credentialsSection != nil || configSection != nil }

    /// A setting of the profile: the credentials file's value, else the config file's; empty values count as unset.
    public func value(_ key: String) -> String? {
        Self.nonEmpty(credentialsSection?[key]) ?? Self.nonEmpty(configSection?[key])
    }

    /// The two files' paths, for messages: `~/.aws/credentials or ~/.aws/config`.
    public var places: String {
        [credentialsPath, configPath].compactMap { $0 }.joined(separator: " or ")
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// `~/x` as the SDKs expand it: the home directory in front.
    private static func expand(_ path: String, home: String?) -> String {
        guard let home, path == "~" || path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }
}
