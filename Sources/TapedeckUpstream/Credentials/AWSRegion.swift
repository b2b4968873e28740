/// The region `--aws-sign` signs for, found as the AWS SDKs find it, then from the upstream URL.
///
/// Order: `--aws-region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region` in the shared files, then the
/// upstream's host name when it is Bedrock Runtime's (`bedrock-runtime.REGION.amazonaws.com`, or
/// `bedrock-runtime-fips.REGION.amazonaws.com`, `.amazonaws.com.cn` in China).
public struct AWSRegion: Sendable, Equatable {
    /// The region, e.g. `eu-west-1`.
    public let name: String
    /// Where it came from, e.g. `AWS_REGION` or `profile dev`.
    public let source: String

    /// A region `name` from `source`.
    public init(_ name: String, source: String) {
        self.name = name
        self.source = source
    }

    /// The region for `upstream`; nil when no source names one. Throws when the shared files cannot be read or a
    /// region is not a region name.
    public static func resolve(
        flag: String?, environment: [String: String], upstream: String?
    ) throws(CredentialError) -> AWSRegion? {
        var candidates: [(String?, String)] = [
            (flag, "--aws-region"), (environment["AWS_REGION"], "AWS_REGION"),
            (environment["AWS_DEFAULT_REGION"], "AWS_DEFAULT_REGION"),
        ]
        if candidates.allSatisfy({ $0.0?.isEmpty ?? true }) {
            let profile = try SharedProfile.load(environment: environment)
            candidates.append((profile.value("region"), "profile \(profile.name)"))
            candidates.append((upstream.flatMap(fromHost), "the upstream host"))
        }
        guard let (name, source) = candidates.first(where: { !($0.0?.isEmpty ?? true) }), let name else { return nil }
        guard isRegionName(name) else {
            throw CredentialError("the region from \(source) is not a region name (letters, digits and -)")
        }
        return AWSRegion(name, source: source)
    }

    /// The region in a Bedrock Runtime URL's host, e.g. `eu-west-1` in `https://bedrock-runtime.eu-west-1.amazonaws.com`.
    public static func fromHost(_ url: String) -> String? {
        let host = ContainerCredentials.hostName(SigV4URL(url).host)
        for suffix in [".amazonaws.com", ".amazonaws.com.cn"] where host.hasSuffix(suffix) {
            let labels = host.dropLast(suffix.count).split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count == 2, ["bedrock-runtime", "bedrock-runtime-fips"].contains(labels[0]) else { return nil }
            let region = String(labels[1])
            return isRegionName(region) ? region : nil
        }
        return nil
    }

    /// Whether `name` looks like a region: 1 to 64 lower-case letters, digits and `-`, no `-` at either end.
    static func isRegionName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && !name.hasPrefix("-") && !name.hasSuffix("-")
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
