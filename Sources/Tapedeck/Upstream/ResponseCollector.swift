/// Gathers one whole upstream response and hands it to a completion closure.
///
/// Its state is touched only by the client's thread (or by the caller's, for a client already shut down),
/// one event at a time, hence `@unchecked Sendable`.
final class ResponseCollector: UpstreamResponseHandler, @unchecked Sendable {
    private let completion: @Sendable (Result<UpstreamResponse, CurlError>) -> Void
    private var status = 0
    private var headers: [(name: String, value: String)] = []
    private var body: [UInt8] = []

    /// Creates a collector that calls `completion` exactly once.
    init(completion: @escaping @Sendable (Result<UpstreamResponse, CurlError>) -> Void) {
        self.completion = completion
    }

    func upstreamDidReceiveHead(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }

    func upstreamDidReceive(_ bytes: [UInt8]) {
        body.append(contentsOf: bytes)
    }

    func upstreamDidFinish(_ result: Result<Int, CurlError>) {
        completion(result.map { latencyMs in
            UpstreamResponse(status: status, headers: headers, body: body, latencyMs: latencyMs)
        })
    }
}
