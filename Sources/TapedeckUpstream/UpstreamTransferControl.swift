import TapedeckSystem

/// A handle on one upstream transfer that holds back and lets go of its response from any thread: a handler whose
/// reader falls behind pauses the transfer, so upstream's bytes wait in the network (TCP flow control) rather
/// than in memory, and resumes it once the reader has caught up.
///
/// A pause takes effect at the next body bytes curl would deliver (the write callback returns CURL_WRITEFUNC_PAUSE
/// and curl delivers those same bytes again once resumed), or on the client thread's next turn when none come;
/// a resume is applied there with curl_easy_pause(3). Calls after the transfer has finished do nothing.
public final class UpstreamTransferControl: Sendable {
    private let loop: UpstreamLoop
    /// The transfer's easy handle as a number (it is only compared, never dereferenced off the loop thread).
    private let easy: UInt
    /// Tells this transfer from a later one that reuses the same easy handle.
    private let serial: UInt64
    private let wanted = Mutex(false)

    init(loop: UpstreamLoop, easy: UnsafeMutableRawPointer, serial: UInt64) {
        self.loop = loop
        self.easy = UInt(bitPattern: easy)
        self.serial = serial
    }

    /// Stops receiving the response until `resume()`; what upstream sends meanwhile waits in the network.
    public func pause() {
        wanted.withLock { $0 = true }
        loop.requestPause(UpstreamLoop.PauseRequest(easy: easy, serial: serial, paused: true))
    }

    /// Receives the response again after `pause()`.
    public func resume() {
        wanted.withLock { $0 = false }
        loop.requestPause(UpstreamLoop.PauseRequest(easy: easy, serial: serial, paused: false))
    }

    /// Whether the last call was `pause()`.
    var isPauseWanted: Bool { wanted.withLock { $0 } }
}
