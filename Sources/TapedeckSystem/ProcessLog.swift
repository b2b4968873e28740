import Glibc

/// The process's log on stderr: a line per start-up, shutdown, warning or error event (and, from the proxy, per
/// request), in the text or JSON format, at or above a level.
///
/// Each event is rendered whole and written with one `write` under a lock, so lines from the event loops, the
/// upstream thread and the recorder never interleave. The per-request lines (`line`) are rendered into a bounded
/// buffer and written in batches by a log thread (`LogBatcher`), so an event loop never waits for a `write`; the
/// other events are written at once, after the lines pending before them. `flush` writes what is pending; the lines
/// still pending when the log goes away are written then.
public final class ProcessLog: Sendable {
    private let batcher: LogBatcher
    /// The least serious level written, or nil to write nothing.
    private let minimum: LogLevel?
    private let format: LogFormat
    /// Whether a line is written per request (`--quiet` turns it off).
    public let logsRequests: Bool
    private let fd: Int32
    /// Whether the log closes `fd` once its last lines are written (at deinit): a log handed a file of its own.
    private let ownsDescriptor: Bool

    /// Creates a log writing events at `level` or above to `fd` (stderr by default) in `format`; `requests: false`
    /// leaves out the per-request lines. At most `bufferBytes` of request lines wait for the log thread, which
    /// writes them `flushMilliseconds` after the first of a batch (sooner when a quarter of the buffer is used).
    public init(
        level: LogLevel? = .info, format: LogFormat = .text, requests: Bool = true, fd: Int32 = 2,
        bufferBytes: Int = 1 << 20, flushMilliseconds: Int = 50, ownsDescriptor: Bool = false
    ) {
        self.ownsDescriptor = ownsDescriptor
        self.minimum = level
        self.format = format
        self.logsRequests = requests
        self.fd = fd
        batcher = LogBatcher(format: format, capacity: bufferBytes, intervalMilliseconds: flushMilliseconds) { bytes in
            // A log line that cannot be written (stderr closed, a full disk) is dropped: there is nowhere to say so.
            do throws(SystemError) {
                try Syscall.writeAll(fd, bytes)
            } catch {
                return
            }
        }
    }

    /// Creates a text log at the info level; a disabled log writes nothing.
    public convenience init(enabled: Bool, fd: Int32 = 2, ownsDescriptor: Bool = false) {
        self.init(level: enabled ? .info : nil, fd: fd, ownsDescriptor: ownsDescriptor)
    }

    deinit {
        batcher.stop()
        // Only now: the batch thread's last write went to `fd`, so the number cannot be reused by a file under it.
        if ownsDescriptor && fd >= 0 { Syscall.close(fd) }
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

    /// Queues a line at `level` for the log thread, rendered by `render` into the log's buffer (the fields; time,
    /// level and message come first), if `level` is wanted. Never waits for a write: a line that finds the buffer
    /// full is counted, and the count logged once the writer catches up.
    public func line(_ level: LogLevel, _ message: StaticString, _ render: (inout LogLineWriter) -> Void) {
        guard logs(level) else { return }
        batcher.append(level: level, message: message, render)
    }

    /// Writes the queued lines now.
    public func flush() {
        batcher.flush()
    }

    private func write(_ event: LogEvent) {
        // After the lines queued before it, in the same write.
        batcher.flush(then: event.rendered(format, time: Timestamp.now(milliseconds: true)))
    }
}
