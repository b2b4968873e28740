import Glibc

/// Process-wide signal set-up.
public enum Signals {
    /// Ignores SIGPIPE so a write to a closed peer returns EPIPE instead of killing the process.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Ignores SIGXFSZ so a write past the file-size limit (RLIMIT_FSIZE, `ulimit -f`) fails with EFBIG, which is
    /// reported like any failed write, instead of killing the process with a core dump.
    public static func ignoreSIGXFSZ() {
        signal(SIGXFSZ, SIG_IGN)
    }
}
