/// What the server calls for each complete request, on the connection's event-loop thread.
///
/// Answer through `responder`, at once or later from any thread; never block the calling thread.
public protocol HTTPHandler: Sendable {
    /// Handles one request.
    func handle(_ request: HTTPRequest, responder: HTTPResponder)
}
