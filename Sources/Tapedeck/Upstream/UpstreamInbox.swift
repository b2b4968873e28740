import Glibc

/// What callers hand the client's thread, guarded by one Mutex: queued jobs and the shutdown flag.
struct UpstreamInbox {
    /// One request waiting for the client's thread, with the moment it was sent (for latency).
    struct Job: Sendable {
        /// The request to send.
        let request: UpstreamRequest
        /// Who hears about the response.
        let handler: UpstreamResponseHandler
        /// When `send` was called.
        let started: ContinuousClock.Instant
    }

    /// Jobs not yet handed to curl, oldest first.
    var jobs: [Job] = []
    /// Set once by `shutdown()`; after it no job is accepted and the multi handle may be gone.
    var stopping = false
    /// The client's thread, once it runs; `shutdown()` called from it must not wait for itself.
    var loopThread: pthread_t?
}
