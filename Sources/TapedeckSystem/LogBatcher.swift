import Dispatch

/// The per-request lines' way out: rendered into one bounded byte buffer under a short lock, and written by a log
/// thread in batches, one `write` per batch, so an event loop never waits for the disk or a slow reader of stderr.
///
/// A batch is written `intervalMilliseconds` after its first line, at once when the buffer passes a quarter of its
/// size, and on `flush`/`stop`. When the writer falls behind (a stalled pipe, a full disk), a line that no longer fits
/// is counted as dropped instead of waiting; after the next batch the count goes out as a `log lines dropped`
/// warning. Lines keep their order: a batch is taken whole under the output lock, and `ProcessLog`'s other events
/// take what is pending first and write it before themselves under the same lock.
final class LogBatcher: Sendable {
    private struct Pending {
        var bytes: [UInt8]
        var clock = LogClock()
        var dropped = 0
        var started = false
        var stopping = false
    }

    private let capacity: Int
    private let urgentAt: Int
    private let intervalMilliseconds: Int
    private let format: LogFormat
    /// The lines waiting for the writer (held only to append a line or take a batch).
    private let pending: Mutex<Pending>
    /// The buffer being written (held for the `write` itself): the spare that becomes `pending` at the next swap.
    private let output: Mutex<[UInt8]>
    private let write: @Sendable ([UInt8]) -> Void
    private let wake = DispatchSemaphore(value: 0)
    private let urgent = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// A batcher of lines in `format` handing each batch to `write`; `capacity` bytes at most wait at a time.
    init(format: LogFormat, capacity: Int, intervalMilliseconds: Int, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.format = format
        self.capacity = capacity
        self.urgentAt = capacity / 4
        self.intervalMilliseconds = intervalMilliseconds
        self.write = write
        var first: [UInt8] = [], second: [UInt8] = []
        first.reserveCapacity(min(capacity, 64 * 1024))
        second.reserveCapacity(min(capacity, 64 * 1024))
        pending = Mutex(Pending(bytes: first))
        output = Mutex(second)
    }

    /// Appends one line rendered by `render` (which calls `begin`, the fields, `end`), or counts it as dropped when
    /// it does not fit. Never waits for a write.
    func append(level: LogLevel, message: StaticString, _ render: (inout LogLineWriter) -> Void) {
        let (start, signal, direct) = pending.withLock { state -> (start: Bool, signal: (wake: Bool, urgent: Bool), direct: Bool) in
            let before = state.bytes.count
            var line = LogLineWriter(format: format, bytes: [])
            swap(&line.bytes, &state.bytes)
            line.begin(level: level, message: message) { state.clock.append(to: &$0) }
            render(&line)
            line.end()
            swap(&line.bytes, &state.bytes)
            if state.bytes.count > capacity && before > 0 {
                state.bytes.removeSubrange(before...)
                state.dropped += 1
                return (false, (false, false), false)
            }
            // Stopped: no thread writes any more, so the caller does, at once.
            if state.stopping { return (false, (false, false), true) }
            let start = !state.started
            if start { state.started = true }
            let after = state.bytes.count
            return (start, (before == 0, before < urgentAt && after >= urgentAt), false)
        }
        if direct { return flush() }
        if start { startThread() }
        if signal.wake { wake.signal() }
        if signal.urgent { urgent.signal() }
    }

    /// Writes what is pending now, on the calling thread, then `then` (another event's line) after it in the same
    /// `write`.
    func flush(then line: [UInt8] = []) {
        output.withLock { batch in
            let dropped = pending.withLock { state -> Int in
                swap(&batch, &state.bytes)
                defer { state.dropped = 0 }
                return state.dropped
            }
            if dropped > 0 {
                // The lines lost came after this batch's: say so after it, in the lines' own format.
                var note = LogLineWriter(format: format, bytes: [])
                swap(&note.bytes, &batch)
                var clock = LogClock()
                note.begin(level: .warn, message: "log lines dropped") { clock.append(to: &$0) }
                note.field("count", dropped)
                note.field("reason", "the log's reader fell behind")
                note.end()
                swap(&note.bytes, &batch)
            }
            batch.append(contentsOf: line)
            if !batch.isEmpty { write(batch) }
            batch.removeAll(keepingCapacity: true)
            if batch.capacity > capacity * 2 { batch = [] }  // one huge line must not pin its buffer for ever
        }
    }

    /// Stops the log thread after writing everything pending; later lines are written at once by `flush`'s callers.
    func stop() {
        let started = pending.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        if started {
            wake.signal()
            urgent.signal()
            finished.wait()
        }
        flush()
    }

    private func startThread() {
        OSThread.start(name: "tapedeck-log") { [self] in
            while true {
                wake.wait()
                let stopping = pending.withLock { $0.stopping }
                // Gather a batch for the interval, unless the buffer is filling or the log is stopping.
                if !stopping { _ = urgent.wait(timeout: .now() + .milliseconds(intervalMilliseconds)) }
                flush()
                if stopping || pending.withLock({ $0.stopping }) { break }
            }
            finished.signal()
        }
    }
}
