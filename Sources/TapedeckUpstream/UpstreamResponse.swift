/// A whole upstream answer as received: status, headers in order, body bytes, and how long it took.
public struct UpstreamResponse: Sendable {
    /// The final response's status code (after any 1xx interim responses).
    public var status: Int
    /// The final response's header fields in order, duplicates kept, the status line excluded.
    public var headers: [(name: String, value: String)]
    /// The body bytes exactly as upstream sent them (no decompression, no de-chunking artefacts).
    public var body: [UInt8]
    /// Milliseconds from `send` to the end of the transfer.
    public var latencyMs: Int

    /// Creates a response value.
    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], latencyMs: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.latencyMs = latencyMs
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func headerValue(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of the header `name` in order, compared case-insensitively.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}
