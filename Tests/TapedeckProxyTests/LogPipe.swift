import Foundation
import Glibc
import TapedeckSystem
import TapedeckTestSupport

/// A process log writing JSON lines into a pipe that a thread of its own drains, as stderr would be.
final class LogPipe {
    /// The log to hand to the code under test.
    let log: ProcessLog
    private let writer: Int32
    private var open = true
    private let collected = Mutex<[UInt8]>([])
    private let drained = DispatchSemaphore(value: 0)

    /// Opens the pipe and starts draining it.
    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SystemError("pipe", errno: errno) }
        let reader = fds[0]
        writer = fds[1]
        // The log owns the write end and closes it after its last batch; see `lines()`.
        log = ProcessLog(format: .json, fd: writer, ownsDescriptor: true)
        let (collected, drained) = (self.collected, self.drained)
        Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                collected.withLock { $0 += buffer[..<n] }
            }
            close(reader)
            drained.signal()
        }.start()
    }

    /// Closes the pipe (nothing may log after this) and answers every line written, each as its fields.
    func lines() -> [[String: String]] {
        if open {
            open = false
            log.flush()  // the request lines the log thread has not written yet
            // The pipe's write end becomes /dev/null under the same number, so the reader sees the end, while the
            // number stays the log's until it closes it: a late line never lands in a file that reused it.
            let null = Glibc.open("/dev/null", O_WRONLY | O_CLOEXEC)
            dup2(null, writer)
            close(null)
            drained.wait()
        }
        let text = String(decoding: collected.withLock { $0 }, as: UTF8.self)
        return text.split(separator: "\n").map { LogLines.json(String($0)) ?? ["unreadable": String($0)] }
    }

}
