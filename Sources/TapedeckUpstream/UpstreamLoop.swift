internal import CCurl
import Dispatch
import Glibc
import TapedeckSystem

/// The client's thread: drives one curl multi handle, starts queued jobs, finishes done transfers, recycles handles.
///
/// Everything but `inbox` is touched only by the thread running `run()`, hence `@unchecked Sendable`.
final class UpstreamLoop: @unchecked Sendable {
    /// One request waiting for the client's thread, with the moment it was sent (for latency).
    struct Job: Sendable {
        /// The request to send.
        let request: UpstreamRequest
        /// Who hears about the response.
        let handler: UpstreamResponseHandler
        /// When `send` was called.
        let started: ContinuousClock.Instant
    }

    /// What callers hand the client's thread, guarded by one Mutex: queued jobs and the shutdown flag.
    struct Inbox {
        /// Jobs not yet handed to curl, oldest first.
        var jobs: [Job] = []
        /// Set once by `shutdown()`; after it no job is accepted and the multi handle may be gone.
        var stopping = false
        /// The client's thread, once it runs; `shutdown()` called from it must not wait for itself.
        var loopThread: pthread_t?
        /// Pause and resume requests not yet applied, oldest first (the latest for a transfer wins).
        var pauses: [PauseRequest] = []
    }

    /// A transfer control's request to pause or resume receiving one transfer's response.
    struct PauseRequest: Sendable {
        /// The transfer's easy handle, as a number.
        let easy: UInt
        /// The transfer's serial number: a request for a transfer that has finished is dropped.
        let serial: UInt64
        /// Pause (true) or resume (false).
        let paused: Bool
    }

    /// Idle easy handles kept for reuse; more than this are cleaned up.
    static let maxIdleHandles = 64

    private let multi: UnsafeMutableRawPointer
    private let inbox: Mutex<Inbox>
    private let exited: DispatchGroup
    private var active: [UnsafeMutableRawPointer: UpstreamTransfer] = [:]
    private var idle: [UnsafeMutableRawPointer] = []
    private var nextSerial: UInt64 = 0

    /// Creates a loop over `multi`; `exited` is entered by the caller and left when `run()` returns.
    init(multi: UnsafeMutableRawPointer, inbox: Mutex<Inbox>, exited: DispatchGroup) {
        self.multi = multi
        self.inbox = inbox
        self.exited = exited
    }

    /// Runs until `shutdown()` sets the stop flag, then fails what is left and frees every curl handle.
    func run() {
        inbox.withLock { $0.loopThread = pthread_self() }
        while true {
            let (jobs, pauses, stopping) = inbox.withLock { state in
                defer {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.pauses.removeAll(keepingCapacity: true)
                }
                return (state.jobs, state.pauses, state.stopping)
            }
            if stopping {
                tearDown(pending: jobs)
                break
            }
            for job in jobs { start(job) }
            for request in pauses { apply(request) }
            var running: Int32 = 0
            let performed = curl_multi_perform(multi, &running)
            if performed != CURLM_OK {
                abortAll(message: "curl_multi_perform: \(String(cString: curl_multi_strerror(performed)))")
            }
            collectFinished()
            // curl_multi_poll(3): sleeps until a socket is ready, curl's own next timeout, the 1 s cap, or
            // curl_multi_wakeup(3) from `send`/`shutdown`. A failure here only means one turn without sleeping.
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        exited.leave()
    }

    /// Gives a queued job an easy handle (a recycled one when possible) and adds it to the multi handle.
    private func start(_ job: Job) {
        guard let easy = idle.popLast() ?? curl_easy_init() else {
            job.handler.upstreamDidFinish(.failure(CurlError(CURLE_OUT_OF_MEMORY, url: job.request.url)))
            return
        }
        let transfer = UpstreamTransfer(easy: easy, job: job)
        do {
            try transfer.configure()
        } catch {
            recycle(easy)
            job.handler.upstreamDidFinish(.failure(error))
            return
        }
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            recycle(easy)
            let reason = "curl_multi_add_handle: \(String(cString: curl_multi_strerror(added)))"
            transfer.finish(CURLE_FAILED_INIT, message: reason)
            return
        }
        active[easy] = transfer
        nextSerial &+= 1
        transfer.serial = nextSerial
        let control = UpstreamTransferControl(loop: self, easy: easy, serial: nextSerial)
        transfer.control = control
        job.handler.upstreamDidStart(control)
    }

    /// Queues a pause or resume for the client's thread and wakes it; thread-safe.
    func requestPause(_ request: PauseRequest) {
        inbox.withLock { state in
            // Under the lock, as in `send`: after `stopping` the multi handle may be gone.
            guard !state.stopping else { return }
            state.pauses.append(request)
            _ = curl_multi_wakeup(multi)
        }
    }

    /// Pauses or resumes a transfer still in flight, unless it is already in that state.
    private func apply(_ request: PauseRequest) {
        guard let easy = UnsafeMutableRawPointer(bitPattern: request.easy), let transfer = active[easy],
              transfer.serial == request.serial, transfer.paused != request.paused else { return }
        transfer.paused = request.paused
        // curl_easy_pause(3): called on the thread driving the multi handle; unpausing may deliver buffered
        // bytes to the write callback before it returns.
        _ = curl_easy_pause(easy, request.paused ? tapedeck_curlpause_recv : tapedeck_curlpause_cont)
    }

    /// Reads curl_multi_info_read(3) until empty and completes every transfer that is done.
    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            // The message is freed by curl_multi_remove_handle(3): copy what is needed first.
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            curl_multi_remove_handle(multi, easy)
            guard let transfer = active.removeValue(forKey: easy) else { continue }
            transfer.finish(result)
            recycle(easy)
        }
    }

    /// Ends every transfer in flight with `message`, e.g. after the multi handle itself failed.
    private func abortAll(message: String) {
        let transfers = active
        active.removeAll()
        for (easy, transfer) in transfers {
            curl_multi_remove_handle(multi, easy)
            transfer.finish(CURLE_ABORTED_BY_CALLBACK, message: message)
            recycle(easy)
        }
    }

    /// Resets a finished easy handle and keeps it for the next job; its connection stays in the multi's cache.
    private func recycle(_ easy: UnsafeMutableRawPointer) {
        // curl_easy_reset(3): drops every option (and so every pointer into a transfer's buffers).
        curl_easy_reset(easy)
        if idle.count < UpstreamLoop.maxIdleHandles {
            idle.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    /// Fails transfers in flight and jobs never started, then frees every easy handle and the multi handle.
    private func tearDown(pending: [Job]) {
        let reason = "upstream client shut down"
        abortAll(message: reason)
        for job in pending {
            job.handler.upstreamDidFinish(.failure(CurlError(CURLE_ABORTED_BY_CALLBACK, message: reason,
                                                             url: job.request.url)))
        }
        for easy in idle { curl_easy_cleanup(easy) }
        idle.removeAll()
        curl_multi_cleanup(multi)
    }
}
