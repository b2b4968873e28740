import Glibc

/// One line per request on stderr: time, method, path, model, key prefix, outcome, status, duration.
public final class RequestLog: Sendable {
    private let lock = Mutex(())
    private let enabled: Bool
    private let fd: Int32

    /// Creates a log writing to `fd` (stderr by default); a disabled log writes nothing.
    public init(enabled: Bool = true, fd: Int32 = 2) {
        self.enabled = enabled
        self.fd = fd
    }

    /// Logs a finished request.
    public func request(
        method: String, path: Substring, model: String?, key: CacheKey?, outcome: String, status: Int, startedAt: UInt64
    ) {
        guard enabled else { return }
        let micros = (MonotonicClock.nanoseconds() &- startedAt) / 1000
        let duration = "\(micros / 1000).\(String(micros % 1000 / 100))ms"
        line("\(method) \(path) model=\(model ?? "-") key=\(key?.prefix ?? "-") \(outcome) \(status) \(duration)")
    }

    /// Logs a free-form line (start-up, warnings), prefixed with the time; line breaks inside `message` (from an
    /// error's text, say) become spaces, so one event is always one line.
    public func line(_ message: String) {
        guard enabled else { return }
        var bytes = Array(message.utf8)
        for index in bytes.indices where bytes[index] == 0x0A || bytes[index] == 0x0D { bytes[index] = 0x20 }
        let text = Array("\(Timestamp.now(milliseconds: true)) ".utf8) + bytes + [0x0A]
        lock.withLock { _ in
            var written = 0
            while written < text.count {
                let n = text.withUnsafeBytes { write(fd, $0.baseAddress! + written, text.count - written) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                written += n
            }
        }
    }
}
