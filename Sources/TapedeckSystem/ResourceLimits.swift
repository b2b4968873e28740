import Glibc

/// Process resource limits a server needs raised.
public enum ResourceLimits {
    /// Raises the soft open-file limit to the hard one (1,000 open connections need more than the usual 1,024
    /// soft limit leaves once files and upstream sockets are counted); returns the limit now in force.
    @discardableResult
    public static func raiseOpenFiles() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(raised.rlim_cur) }
        }
        return Int(limit.rlim_cur)
    }
}
