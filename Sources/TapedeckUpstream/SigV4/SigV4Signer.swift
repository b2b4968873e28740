import TapedeckCodec
import TapedeckHTTP

/// Signs a request with AWS Signature Version 4 in the `Authorization` header, as botocore's `SigV4Auth` does.
public struct SigV4Signer: Sendable {
    /// Headers a client signed for itself (or for the proxy's address): dropped and replaced by this signer's own.
    static let replacedHeaders: Set<String> = [
        "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "host",
    ]

    /// Headers sent but never signed: botocore's `SIGNED_HEADERS_BLACKLIST` (hop-by-hop headers, and those a
    /// proxy or the HTTP library may add or rewrite), plus `proxy-connection`, which `UpstreamRequest` never sends.
    static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "proxy-connection",
    ]

    /// Where each signature's credentials come from: fixed ones, or ones refreshed before they expire.
    public let source: RefreshingCredentials
    /// The region in the credential scope, e.g. `us-east-1`.
    public let region: String
    /// The service in the credential scope: `bedrock` for Bedrock Runtime.
    public let service: String
    /// Whether the canonical URI encodes the already-encoded wire path once more (every service but S3).
    public let doubleEncodePath: Bool

    /// Creates a signer with fixed credentials; `doubleEncodePath: false` selects S3's rule (path encoded once, not
    /// normalized).
    public init(
        credentials: AWSCredentials,
        region: String,
        service: String = "bedrock",
        doubleEncodePath: Bool = true
    ) {
        self.init(source: RefreshingCredentials(fixed: credentials), region: region, service: service,
                  doubleEncodePath: doubleEncodePath)
    }

    /// Creates a signer that asks `source` for the credentials at each signature.
    public init(
        source: RefreshingCredentials,
        region: String,
        service: String = "bedrock",
        doubleEncodePath: Bool = true
    ) {
        self.source = source
        self.region = region
        self.service = service
        self.doubleEncodePath = doubleEncodePath
    }

    /// The credentials signing now (the last fetched), for descriptions and tests.
    public var credentials: AWSCredentials { source.latest.credentials }

    /// The headers to send: `headers` without any client signature or `Host`, plus `Host`, `X-Amz-Date`,
    /// `X-Amz-Security-Token` (with a session token) and `Authorization`. The URL and body must go out unchanged.
    /// Throws when the credentials expired and new ones could not be fetched.
    public func sign(
        method: String,
        url: String,
        headers: HTTPHeaders,
        body: [UInt8],
        date: Int
    ) throws(CredentialError) -> HTTPHeaders {
        sign(method: method, url: url, headers: headers, body: body, date: date, credentials: try source.current())
    }

    /// `sign` with the given credentials (an STS call signed with a role's source credentials).
    func sign(
        method: String,
        url: String,
        headers: HTTPHeaders,
        body: [UInt8],
        date: Int,
        credentials: AWSCredentials
    ) -> HTTPHeaders {
        let request = prepare(method: method, url: url, headers: headers, body: body, date: date, credentials: credentials)
        let toSign = stringToSign(canonicalRequest: request.canonicalRequest, amzDate: request.amzDate)
        let signature = SHA256.hex(HMAC.sha256(key: signingKey(day: request.day, credentials: credentials), message: toSign))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope(day: request.day)), "
            + "SignedHeaders=\(request.signedHeaders), Signature=\(signature)"
        var sent = request.headers
        sent.add("Authorization", authorization)
        return sent
    }

    /// The canonical request (SigV4 task 1) for what `sign` would send.
    func canonicalRequest(
        method: String,
        url: String,
        headers: HTTPHeaders,
        body: [UInt8],
        date: Int
    ) -> String {
        prepare(method: method, url: url, headers: headers, body: body, date: date, credentials: credentials).canonicalRequest
    }

    /// The string to sign (SigV4 task 2): algorithm, timestamp, credential scope, hash of the canonical request.
    func stringToSign(canonicalRequest: String, date: Int) -> String {
        stringToSign(canonicalRequest: canonicalRequest, amzDate: Self.amzDate(epochSeconds: date))
    }

    /// The derived signing key (SigV4 task 3) for a `yyyyMMdd` day: an HMAC chain from `AWS4` + secret.
    func signingKey(day: String, credentials: AWSCredentials? = nil) -> [UInt8] {
        let credentials = credentials ?? self.credentials
        let dateKey = HMAC.sha256(key: Array(("AWS4" + credentials.secretAccessKey).utf8), message: day)
        let regionKey = HMAC.sha256(key: dateKey, message: region)
        let serviceKey = HMAC.sha256(key: regionKey, message: service)
        return HMAC.sha256(key: serviceKey, message: "aws4_request")
    }

    /// What `sign` sends before the `Authorization` header, and what that header is computed from.
    private struct Prepared {
        var headers: HTTPHeaders
        var canonicalRequest: String
        var signedHeaders: String
        var amzDate: String
        var day: String { String(amzDate.prefix(8)) }
    }

    private func prepare(
        method: String,
        url: String,
        headers: HTTPHeaders,
        body: [UInt8],
        date: Int,
        credentials: AWSCredentials
    ) -> Prepared {
        let target = SigV4URL(url)
        let amzDate = Self.amzDate(epochSeconds: date)
        var sent = headers.removing(names: Self.replacedHeaders)
        sent.add("Host", target.host)
        sent.add("X-Amz-Date", amzDate)
        if let token = credentials.sessionToken {
            // botocore adds the token before signing, so it is signed (the suite's post-sts-header-before).
            sent.add("X-Amz-Security-Token", token)
        }
        let signed = sent.removing(names: Self.unsignedHeaders)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(signed)
        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalURI(target.path, doubleEncode: doubleEncodePath),
            Self.canonicalQuery(target.query),
            canonicalHeaders,
            signedHeaders,
            SHA256.hex(SHA256.hash(body)),
        ].joined(separator: "\n")
        return Prepared(
            headers: sent, canonicalRequest: canonicalRequest, signedHeaders: signedHeaders, amzDate: amzDate
        )
    }

    private func scope(day: String) -> String {
        "\(day)/\(region)/\(service)/aws4_request"
    }

    private func stringToSign(canonicalRequest: String, amzDate: String) -> String {
        var hasher = SHA256()
        hasher.update(canonicalRequest)
        let credentialScope = scope(day: String(amzDate.prefix(8)))
        return "AWS4-HMAC-SHA256\n\(amzDate)\n\(credentialScope)\n\(SHA256.hex(hasher.finalize()))"
    }
}
