import Glibc

/// SIGINT and SIGTERM taken as ordinary events: blocked in every thread, then waited for with `sigwait`, so a stop
/// runs the shutdown on a normal thread rather than in a signal handler.
public struct StopSignals: Sendable {
    private let set: sigset_t

    /// Blocks SIGINT and SIGTERM in the calling thread; call before any other thread starts, so every thread
    /// inherits the mask and only `wait` ever sees them.
    public static func block() -> StopSignals {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        return StopSignals(set: set)
    }

    /// Waits for the next SIGINT or SIGTERM (one already pending is taken at once) and returns it.
    public func wait() -> Int32 {
        var set = self.set
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }

    /// Waits up to `milliseconds` for a SIGINT or SIGTERM; nil when none came (a start-up that waits for something
    /// else can still be stopped).
    public func wait(milliseconds: Int) -> Int32? {
        var set = self.set
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let received = sigtimedwait(&set, nil, &timeout)
        return received > 0 ? received : nil
    }

    /// `SIGINT` or `SIGTERM`.
    public static func name(_ signal: Int32) -> String {
        signal == SIGINT ? "SIGINT" : "SIGTERM"
    }

    /// The exit status of a process stopped by `signal` (the shell's 128 + its number): 130 for SIGINT, 143 for SIGTERM.
    public static func exitStatus(_ signal: Int32) -> Int32 {
        128 + signal
    }
}
