import TapedeckHTTP

/// Receives one upstream transfer's events as they happen, for live pass-through of streamed answers.
///
/// Every method is called on the `UpstreamClient`'s own thread and must return quickly: a handler that blocks
/// stalls every transfer of that client (to hold one transfer back, pause it through its control). The order is
/// always: `upstreamDidStart` at most once, `upstreamDidReceiveHead` at most once,
/// then zero or more `upstreamDidReceive`, then `upstreamDidFinish` exactly once. A failed transfer may end
/// after the head and some body bytes, or before any of them. A request sent to a client that has already
/// shut down gets `upstreamDidFinish` at once, on the caller's thread.
public protocol UpstreamResponseHandler: AnyObject, Sendable {
    /// The transfer has started; `control` pauses and resumes receiving its response (from any thread).
    /// Called before `upstreamDidReceiveHead`, only for a transfer that curl accepted.
    func upstreamDidStart(_ control: UpstreamTransferControl)
    /// The final response's status and headers; called before the first body bytes, or at completion if the body is empty.
    func upstreamDidReceiveHead(status: Int, headers: HTTPHeaders)
    /// One body chunk as libcurl delivered it, in order; chunk boundaries carry no meaning.
    func upstreamDidReceive(_ bytes: [UInt8])
    /// The end of the transfer: the latency in milliseconds from `send` on success, or why it failed.
    func upstreamDidFinish(_ result: Result<Int, CurlError>)
}

extension UpstreamResponseHandler {
    /// A handler that never holds a transfer back ignores its control.
    public func upstreamDidStart(_ control: UpstreamTransferControl) {}
}
