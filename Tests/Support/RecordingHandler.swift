import TapedeckHTTP
import TapedeckSystem
import TapedeckUpstream

/// An `UpstreamResponseHandler` that records every event in order and lets a test await the end of the transfer.
package final class RecordingHandler: UpstreamResponseHandler, @unchecked Sendable {
    /// One callback, as recorded.
    package enum Event: Equatable, Sendable {
        /// `upstreamDidReceiveHead` with its status.
        case head(Int)
        /// `upstreamDidReceive` with its bytes.
        case body([UInt8])
        /// `upstreamDidFinish`; true on success.
        case finish(succeeded: Bool)
    }

    private struct State {
        var events: [Event] = []
        var headers = HTTPHeaders()
        var result: Result<Int, CurlError>?
        var waiter: CheckedContinuation<Result<Int, CurlError>, Never>?
    }

    private let state = Mutex(State())
    private let onBody: @Sendable ([UInt8]) -> Void

    /// Creates a recorder; `onBody` runs on the client's thread after each body chunk is recorded.
    package init(onBody: @escaping @Sendable ([UInt8]) -> Void = { _ in }) {
        self.onBody = onBody
    }

    /// Every event so far, in order.
    package var events: [Event] { state.withLock { $0.events } }

    /// The headers passed to `upstreamDidReceiveHead`, if it was called.
    package var headers: HTTPHeaders { state.withLock { $0.headers } }

    /// Suspends until `upstreamDidFinish` and answers its result.
    package func finished() async -> Result<Int, CurlError> {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Result<Int, CurlError>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    package func upstreamDidReceiveHead(status: Int, headers: HTTPHeaders) {
        state.withLock { state in
            state.events.append(.head(status))
            state.headers = headers
        }
    }

    package func upstreamDidReceive(_ bytes: [UInt8]) {
        state.withLock { $0.events.append(.body(bytes)) }
        onBody(bytes)
    }

    package func upstreamDidFinish(_ result: Result<Int, CurlError>) {
        var succeeded = false
        if case .success = result { succeeded = true }
        let waiter = state.withLock { state in
            state.events.append(.finish(succeeded: succeeded))
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }
}
