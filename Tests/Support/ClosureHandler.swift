import TapedeckHTTP

/// A handler built from a closure, for tests.
package struct ClosureHandler: HTTPHandler {
    package let body: @Sendable (HTTPRequest, HTTPResponder) -> Void

    /// A handler that calls `body` for every request.
    package init(body: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void) {
        self.body = body
    }

    package func handle(_ request: HTTPRequest, responder: HTTPResponder) { body(request, responder) }
}
