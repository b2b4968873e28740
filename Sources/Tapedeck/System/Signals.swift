import Glibc

/// Process-wide signal set-up.
public enum Signals {
    /// Ignores SIGPIPE so a write to a closed peer returns EPIPE instead of killing the process.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }
}
