import TapedeckHTTP
import TapedeckSystem

/// How Tapedeck authenticates forwarded requests itself, replacing whatever the client sent.
public enum UpstreamAuth: Sendable {
    /// Re-sign every request with Signature Version 4.
    case sigV4(SigV4Signer)
    /// Send `Authorization: Bearer <token>` (a Bedrock API key).
    case bearer(String)

    /// Client headers that carry the client's own credentials; dropped before Tapedeck authenticates.
    static let clientCredentialHeaders: Set<String> = [
        "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
    ]

    /// The headers to send for a `method` request of `body` to `url` at `date` (seconds since the Unix epoch), the
    /// client's credentials replaced by Tapedeck's; throws when expired credentials could not be renewed.
    public func apply(
        method: String = "POST", url: String, headers: HTTPHeaders, body: [UInt8], date: Int = Timestamp.nowSeconds()
    ) throws(CredentialError) -> HTTPHeaders {
        var kept = headers.removing(names: Self.clientCredentialHeaders)
        switch self {
        case .sigV4(let signer):
            return try signer.sign(method: method, url: url, headers: kept, body: body, date: date)
        case .bearer(let token):
            kept.add("Authorization", "Bearer \(token)")
            return kept
        }
    }

    /// What the start-up log may say about it: never a secret.
    public var summary: String {
        switch self {
        case .sigV4(let signer):
            let credentials = signer.credentials
            let token = credentials.sessionToken == nil ? "" : " with a session token"
            return "SigV4 as \(credentials.redactedKeyId)\(token) from \(signer.source.sourceName) in \(signer.region)"
        case .bearer: return "Bedrock API key (Bearer)"
        }
    }
}
