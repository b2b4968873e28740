internal import CCurl
import Dispatch
import Glibc
import TapedeckHTTP
import TapedeckSystem

/// Sends requests upstream with libcurl: one dedicated thread runs a multi handle for every transfer in flight.
///
/// `send` is thread-safe and returns at once; thousands of concurrent transfers share the one thread, and
/// connections to the same host are reused through the multi handle's connection cache.
public final class UpstreamClient: @unchecked Sendable {  // `multi` is driven only by the loop thread.
    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(UpstreamLoop.Inbox())
    private let exited = DispatchGroup()

    /// Starts the client's thread.
    public init() {
        Curl.initialize()
        guard let multi = curl_multi_init() else {
            preconditionFailure("curl_multi_init failed: out of memory")
        }
        self.multi = multi
        let loop = UpstreamLoop(multi: multi, inbox: inbox, exited: exited)
        exited.enter()
        OSThread.start(name: "tapedeck-upstream") { loop.run() }
    }

    deinit {
        shutdown()
    }

    /// Queues `request`; `handler` hears about the response on the client's thread.
    public func send(_ request: UpstreamRequest, handler: UpstreamResponseHandler) {
        let job = UpstreamLoop.Job(request: request, handler: handler, started: .now)
        let accepted = inbox.withLock { state in
            guard !state.stopping else { return false }
            state.jobs.append(job)
            // Under the lock: the loop frees the multi handle only after it has seen `stopping`.
            // curl_multi_wakeup(3) is thread-safe; if it fails, a wake-up is already pending.
            _ = curl_multi_wakeup(multi)
            return true
        }
        if !accepted {
            handler.upstreamDidFinish(.failure(CurlError(CURLE_ABORTED_BY_CALLBACK,
                                                         message: "upstream client shut down", url: request.url)))
        }
    }

    /// Queues `request` and calls `completion` once with the whole response or the failure.
    public func send(_ request: UpstreamRequest,
                     completion: @escaping @Sendable (Result<UpstreamResponse, CurlError>) -> Void) {
        send(request, handler: ResponseCollector(completion: completion))
    }

    /// Stops the thread and frees every handle; transfers in flight and queued requests finish with an error.
    ///
    /// Waits for the thread to end unless called from it (from a handler). Calling it again does nothing.
    public func shutdown() {
        let onLoopThread = inbox.withLock { state in
            if !state.stopping {
                state.stopping = true
                _ = curl_multi_wakeup(multi)
            }
            return state.loopThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        }
        if !onLoopThread { exited.wait() }
    }
}

/// Gathers one whole upstream response and hands it to a completion closure.
///
/// Its state is touched only by the client's thread (or by the caller's, for a client already shut down),
/// one event at a time, hence `@unchecked Sendable`.
private final class ResponseCollector: UpstreamResponseHandler, @unchecked Sendable {
    private let completion: @Sendable (Result<UpstreamResponse, CurlError>) -> Void
    private var status = 0
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []

    /// Creates a collector that calls `completion` exactly once.
    init(completion: @escaping @Sendable (Result<UpstreamResponse, CurlError>) -> Void) {
        self.completion = completion
    }

    func upstreamDidReceiveHead(status: Int, headers: HTTPHeaders) {
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
