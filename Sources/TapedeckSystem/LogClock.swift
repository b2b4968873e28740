import Glibc

/// The wall clock as log lines show it, `2026-11-25T17:04:05.123Z`, with the part up to the seconds formatted once
/// per second rather than once per line.
public struct LogClock: Sendable {
    private var second = -1
    private var prefix: [UInt8] = []

    public init() {}

    /// Calls `body` with the current time's text.
    public mutating func withText<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        if Int(ts.tv_sec) != second {
            second = Int(ts.tv_sec)
            // `Timestamp.format` without milliseconds ends in `Z`; the line puts `.mmmZ` there.
            prefix = Array(Timestamp.format(seconds: second).utf8.dropLast()) + Array(".000Z".utf8)
        }
        // The milliseconds go into the kept text in place.
        let ms = Int(ts.tv_nsec / 1_000_000), at = prefix.count - 4
        prefix[at] = UInt8(ascii: "0") + UInt8(ms / 100)
        prefix[at + 1] = UInt8(ascii: "0") + UInt8(ms / 10 % 10)
        prefix[at + 2] = UInt8(ascii: "0") + UInt8(ms % 10)
        return prefix.withUnsafeBytes(body)
    }
}
