/// A handle on one upstream transfer that holds back and lets go of its response from any thread: a handler whose
/// reader falls behind pauses the transfer, so upstream's bytes wait in the network (TCP flow control) rather
/// than in memory, and resumes it once the reader has caught up.
///
/// The request is handed to the client's thread, which applies the latest one with curl_easy_pause(3) on its next
/// turn; calls after the transfer has finished do nothing.
public final class UpstreamTransferControl: Sendable {
    private let loop: UpstreamLoop
    /// The transfer's easy handle as a number (it is only compared, never dereferenced off the loop thread).
    private let easy: UInt
    /// Tells this transfer from a later one that reuses the same easy handle.
    private let serial: UInt64

    init(loop: UpstreamLoop, easy: UnsafeMutableRawPointer, serial: UInt64) {
        self.loop = loop
        self.easy = UInt(bitPattern: easy)
        self.serial = serial
    }

    /// Stops receiving the response until `resume()`; what upstream sends meanwhile waits in the network.
    public func pause() {
        loop.requestPause(UpstreamLoop.PauseRequest(easy: easy, serial: serial, paused: true))
    }

    /// Receives the response again after `pause()`.
    public func resume() {
        loop.requestPause(UpstreamLoop.PauseRequest(easy: easy, serial: serial, paused: false))
    }
}
