import TapedeckHTTP

/// A whole upstream answer as received: status, headers in order, body bytes, and how long it took.
public struct UpstreamResponse: Sendable {
    /// The final response's status code (after any 1xx interim responses).
    public var status: Int
    /// The final response's header fields in order, duplicates kept, the status line excluded.
    public var headers: HTTPHeaders
    /// The body bytes exactly as upstream sent them (no decompression, no de-chunking artefacts).
    public var body: [UInt8]
    /// Milliseconds from `send` to the end of the transfer.
    public var latencyMs: Int

    /// Creates a response value.
    public init(status: Int, headers: HTTPHeaders, body: [UInt8], latencyMs: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.latencyMs = latencyMs
    }
}
