import Glibc

/// The process's log on stderr: a line per start-up, shutdown, warning or error event (and, from the proxy, per
/// request), in the text or JSON format, at or above a level.
///
/// Each event is rendered whole and written with one `write` under a lock, so lines from the event loops, the
/// upstream thread and the recorder never interleave.
public final class ProcessLog: Sendable {
    private let lock = Mutex(())
    /// The least serious level written, or nil to write nothing.
    private let minimum: LogLevel?
    private let format: LogFormat
    /// Whether a line is written per request (`--quiet` turns it off).
    public let logsRequests: Bool
    private let fd: Int32

    /// Creates a log writing events at `level` or above to `fd` (stderr by default) in `format`; `requests: false`
    /// leaves out the per-request lines.
    public init(level: LogLevel = .info, format: LogFormat = .text, requests: Bool = true, fd: Int32 = 2) {
        self.minimum = level
        self.format = format
        self.logsRequests = requests
        self.fd = fd
    }

    /// Creates a text log at the info level; a disabled log writes nothing.
    public init(enabled: Bool, fd: Int32 = 2) {
        self.minimum = enabled ? .info : nil
        self.format = .text
        self.logsRequests = true
        self.fd = fd
    }

    /// Whether an event at `level` would be written.
    public func logs(_ level: LogLevel) -> Bool {
        minimum.map { level >= $0 } ?? false
    }

    /// Logs `event` if its level is wanted.
    public func event(_ event: LogEvent) {
        guard logs(event.level) else { return }
        write(event)
    }

    /// Logs a debug event.
    public func debug(_ message: String, _ fields: [LogField] = []) { event(LogEvent(.debug, message, fields)) }

    /// Logs an info event.
    public func info(_ message: String, _ fields: [LogField] = []) { event(LogEvent(.info, message, fields)) }

    /// Logs a warning.
    public func warn(_ message: String, _ fields: [LogField] = []) { event(LogEvent(.warn, message, fields)) }

    /// Logs an error.
    public func error(_ message: String, _ fields: [LogField] = []) { event(LogEvent(.error, message, fields)) }

    private func write(_ event: LogEvent) {
        let line = event.rendered(format, time: Timestamp.now(milliseconds: true))
        lock.withLock { _ in
            // A log line that cannot be written (stderr closed, a full disk) is dropped: there is nowhere to say so.
            do throws(SystemError) {
                try Syscall.writeAll(fd, line)
            } catch {
                return
            }
        }
    }
}
