import TapedeckSystem

/// The container credentials endpoint of ECS, EKS Pod Identity and CodeBuild, as botocore's `ContainerProvider` uses it.
///
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on `http://169.254.170.2`; otherwise
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` is a whole URL: https to any host, or http to a loopback address or one of
/// the endpoint's own (169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost). The `Authorization` header is the content of
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read at each fetch, as the token rotates), else
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`. The answer is `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`.
public struct ContainerCredentials: CredentialProvider {
    /// ECS's endpoint address, where a relative URI points.
    public static let ecsAddress = "169.254.170.2"
    /// Hosts a full URI may name besides loopback addresses (botocore's `_ALLOWED_HOSTS`).
    static let allowedHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"]

    /// The environment read.
    public let environment: [String: String]
    /// The connect timeout, in milliseconds.
    public var connectTimeoutMs = 2000
    /// The whole call's timeout, in milliseconds (botocore's is 2 s).
    public var timeoutMs = 2000

    /// A provider reading `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    public var name: String { "container endpoint" }

    public var notFound: String { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set" }

    /// Fetches credentials when either URI variable is set.
    public func load() throws(CredentialError) -> TimedCredentials? {
        guard let url = try endpoint() else { return nil }
        var headers: [(String, String)] = []
        if let token = try authorization() { headers.append(("Authorization", token)) }
        let shown = CurlError.redact(url)
        let answer = try MetadataClient().call("GET", url, headers: headers, connectTimeoutMs: connectTimeoutMs, timeoutMs: timeoutMs)
        guard answer.status == 200 else {
            throw CredentialError("container endpoint \(shown) answered HTTP \(answer.status)")
        }
        return try CredentialDocument.parse(answer.body, shape: .metadata, origin: "container endpoint \(shown)")
    }

    /// The URL to ask, nil when neither variable is set; throws for a full URI on a host that is not allowed.
    func endpoint() throws(CredentialError) -> String? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            return "http://\(Self.ecsAddress)" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty else { return nil }
        let target = SigV4URL(full)
        let lower = full.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw CredentialError("AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http or https URL")
        }
        let host = Self.hostName(target.host)
        // botocore's `_validate_allowed_url`: any host over https; over http, loopback or the endpoint's own.
        guard target.scheme == "https" || Self.allowedHosts.contains(host) || Self.isLoopback(host) else {
            throw CredentialError("AWS_CONTAINER_CREDENTIALS_FULL_URI is http to host \(host), which is neither a loopback address nor "
                                  + Self.allowedHosts.sorted().joined(separator: ", "))
        }
        return full
    }

    /// The Authorization header's value: the token file's content, else the token variable.
    func authorization() throws(CredentialError) -> String? {
        var token: String?
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !path.isEmpty {
            do {
                let bytes = try Syscall.readPrefix(path, count: 16 << 10)
                let text = String(decoding: bytes, as: UTF8.self)
                token = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            } catch {
                throw CredentialError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path): \(error)")
            }
        } else if let value = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !value.isEmpty {
            token = value
        }
        // botocore refuses a token with a line break: it would end the header.
        if let token, token.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw CredentialError("the container authorization token holds a line break or control character")
        }
        return token
    }

    /// `host` from `host:port` or `[v6]:port`, lower-cased, without brackets or port.
    static func hostName(_ authority: String) -> String {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return String(host)
    }

    /// Whether `host` is a loopback address: 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { part in part.count <= 3 && Int(part).map { (0...255).contains($0) } == true && part.allSatisfy(\.isASCII) }
    }
}
