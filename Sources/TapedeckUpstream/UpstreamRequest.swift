import TapedeckHTTP

/// One request to upstream: method, the full URL, end-to-end headers in order, the body bytes and a whole-transfer
/// timeout.
public struct UpstreamRequest: Sendable {
    /// Headers the client never forwards: curl owns the framing and the connection (RFC 9110 §7.6.1, RFC 9112 §6),
    /// and the URL names the host. Compared lower-cased.
    public static let droppedHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive",
        "proxy-connection", "te", "upgrade", "expect",
    ]

    /// The method token: POST for every recorded operation; whatever the client sent for a route passed through.
    public var method: String
    /// The full URL, e.g. `https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse`.
    public var url: String
    /// Request headers in order, duplicates kept; those in `droppedHeaders` are not sent.
    public var headers: HTTPHeaders
    /// The exact request body; sent as is with a Content-Length.
    public var body: [UInt8]
    /// Seconds the whole transfer may take (CURLOPT_TIMEOUT); 0 or less means no limit.
    public var timeoutSeconds: Int

    /// Creates a request; the default timeout is generous because a long streamed answer can run for minutes.
    public init(
        method: String = "POST",
        url: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        timeoutSeconds: Int = 300
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }
}
