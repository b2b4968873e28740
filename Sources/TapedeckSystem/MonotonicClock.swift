import Glibc

/// CLOCK_MONOTONIC readings, for durations and deadlines that wall-clock changes cannot disturb.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point.
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Milliseconds since an arbitrary fixed point.
    @inline(__always)
    public static func milliseconds() -> UInt64 { nanoseconds() / 1_000_000 }
}
