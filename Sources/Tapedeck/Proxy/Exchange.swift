/// One request on its way through the engine: what it is, what was learned about it, and how to answer it.
final class Exchange: @unchecked Sendable {
    let request: HTTPRequest
    let responder: HTTPResponder
    private let log: RequestLog
    var model: String?
    var key: CacheKey?

    init(request: HTTPRequest, responder: HTTPResponder, log: RequestLog) {
        self.request = request
        self.responder = responder
        self.log = log
    }

    /// Sends `response` with Tapedeck's headers, and logs it.
    func send(_ response: HTTPResponse, outcome: String, delayMs: Int = 0) {
        var response = response
        if let key {
            response.headers.set("x-tapedeck", outcome)
            response.headers.set("x-tapedeck-key", key.hex)
        }
        log.request(method: request.method, path: request.path, model: model, key: key, outcome: outcome,
                    status: response.status, startedAt: request.receivedAt)
        if delayMs > 0 { responder.respond(response, afterMilliseconds: delayMs) } else { responder.respond(response) }
    }

    /// Sends an error in Bedrock's shape, with `headers` after the standard ones.
    func fail(_ status: Int, _ type: String, _ message: String, outcome: String = "error", headers: [(String, String)] = []) {
        send(BedrockError.response(status: status, type: type, message: message, extraHeaders: headers), outcome: outcome)
    }
}
