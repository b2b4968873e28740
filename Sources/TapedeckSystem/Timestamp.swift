import Glibc

/// Wall-clock UTC timestamps in RFC 3339 form, e.g. `2026-11-25T17:04:05Z`.
public enum Timestamp {
    /// The current time; with milliseconds for logs, whole seconds for cassettes.
    public static func now(milliseconds: Bool = false) -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), milliseconds: milliseconds ? Int(ts.tv_nsec / 1_000_000) : nil)
    }

    /// Formats seconds since the Unix epoch.
    public static func format(seconds: Int, milliseconds: Int? = nil) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        // RFC 3339 §5.6: date-fullyear is exactly four digits.
        let year = String(Int(parts.tm_year) + 1900)
        var text = String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        if let ms = milliseconds { text += "." + String(String(ms + 1000).dropFirst()) }
        return text + "Z"
    }
}
