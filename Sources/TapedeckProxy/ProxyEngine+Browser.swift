import TapedeckHTTP

/// The cassette browser at `/_tapedeck/`: its static page, script and style sheet, and the JSON API they read.
extension ProxyEngine {
    /// Answers a browser route. Static files are answered at once; the API reads the store on a reader, so listing
    /// a large store never holds up an event loop.
    func browse(_ route: BrowserRoute, _ exchange: Exchange) {
        let request = exchange.request
        guard request.method == "GET" || request.method == "HEAD" else {
            // RFC 9110 §15.5.6: a 405 lists the allowed methods in Allow.
            let refusal = BrowserResponse.error(.methodNotAllowed("\(request.method) is not allowed on \(request.path); use GET", allow: "GET, HEAD"))
            return exchange.send(refusal, Exchange.Disposition(.admin))
        }
        switch route {
        case .page:
            exchange.send(BrowserResponse.ok(BrowserAssets.page, contentType: "text/html; charset=utf-8"), Exchange.Disposition(.admin))
        case .script:
            exchange.send(BrowserResponse.ok(BrowserAssets.script, contentType: "text/javascript; charset=utf-8"), Exchange.Disposition(.admin))
        case .style:
            exchange.send(BrowserResponse.ok(BrowserAssets.style, contentType: "text/css; charset=utf-8"), Exchange.Disposition(.admin))
        case .list, .cassette:
            let api = browserAPI
            readers.submit {
                let response: HTTPResponse
                do throws(BrowserQuery.Invalid) {
                    response = route == .list
                        ? api.list(try BrowserQuery.list(request.target))
                        : api.cassette(try BrowserQuery.cassette(request.target))
                } catch {
                    response = BrowserResponse.error(.validation(error.message))
                }
                exchange.send(response, Exchange.Disposition(.admin))
            }
        }
    }
}
