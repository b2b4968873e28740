import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckUpstream
/// The rest of Bedrock Runtime: routes Tapedeck does not record are forwarded unchanged and answered unchanged.
extension ProxyEngine {
    /// Forwards `request` (a route that is never recorded) to the upstream: same method, path without the Bifrost
    /// prefix, query, body and end-to-end headers, authenticated as every forwarded request is; sends back what
    /// upstream answered, whatever it was, as `x-tapedeck: passthrough` in every mode. Reads and writes no cassette.
    func passThrough(_ route: PassThroughRoute, _ request: HTTPRequest, _ exchange: Exchange) {
        let outcome = Outcome.passthrough
        guard let upstream, let base = configuration.upstream else {
            return exchange.fail(.badGateway("no upstream is configured"), outcome: outcome)
        }
        let query = HTTPRequestHead.split(request.target).query
        let url = base + route.upstreamPath + (query.map { "?\($0)" } ?? "")
        var headers = Self.endToEnd(request.headers, hopByHop: Self.hopByHopRequestHeaders, droppingPrefix: "x-tapedeck-")
        if let auth = configuration.upstreamAuth {
            do {
                headers = try auth.apply(method: request.method, url: url, headers: headers, body: request.body)
            } catch {
                log.warn("upstream failed", [LogField("path", route.upstreamPath), LogField("reason", error.message)])
                return exchange.fail(.badGateway("cannot sign for upstream: \(error.message)"), outcome: outcome)
            }
        }
        let forwarded = UpstreamRequest(
            method: request.method, url: url, headers: headers, body: request.body,
            timeoutSeconds: configuration.upstreamTimeoutSeconds)
        upstream.send(forwarded) { [self] result in
            var disposition = Exchange.Disposition(outcome)
            switch result {
            case .failure(let error):
                log.warn("upstream failed", [LogField("path", route.upstreamPath), LogField("reason", "\(error)")])
                disposition.upstreamFailed = true
                let failure = BedrockError.badGateway("upstream \(CurlError.redact(url)) failed: \(error.message)")
                exchange.send(failure.response(), disposition)
            case .success(let response):
                disposition.upstreamFailed = !(200..<300).contains(response.status)
                exchange.send(
                    HTTPResponse(status: response.status, headers: passThroughHeaders(response.headers), body: response.body),
                    disposition)
            }
        }
    }
}
