import Dispatch
import Glibc
import Testing
@testable import TapedeckSystem
import TapedeckTestSupport

/// The per-request lines' batches, through `ProcessLog.line` into a real pipe: they wait for their batch, keep their
/// order, go out on the timer, and are counted, never waited for, when the pipe's reader falls behind.
@Suite struct LogBatcherTests {
    /// A pipe whose read end is non-blocking, so a test can look at what has been written so far.
    private final class Pipe: @unchecked Sendable {  // `received` is touched by one thread at a time (the drain thread, then the test after it ends).
        let reader: Int32
        let writer: Int32
        private(set) var received: [UInt8] = []

        init() throws {
            var fds: [Int32] = [0, 0]
            try #require(pipe(&fds) == 0)
            reader = fds[0]
            writer = fds[1]
            _ = fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) | O_NONBLOCK)
        }

        /// Reads what is there now.
        @discardableResult func drain() -> Int {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var total = 0
            while true {
                let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if n <= 0 { return total }
                received += buffer[..<n]
                total += n
            }
        }

        var lines: [[String: String]] {
            String(decoding: received, as: UTF8.self).split(separator: "\n").map { LogLines.json(String($0)) ?? ["torn": String($0)] }
        }

        deinit {
            close(reader)
            close(writer)
        }
    }

    @Test func requestLinesWaitForTheirBatchAndGoOutBeforeTheNextEvent() throws {
        let pipe = try Pipe()
        let log = ProcessLog(format: .json, fd: pipe.writer, flushMilliseconds: 600_000)
        for index in 0..<100 { log.line(.info, "request") { $0.field("index", index) } }
        #expect(pipe.drain() == 0, "a line was written before its batch")
        log.warn("after")
        pipe.drain()
        let lines = pipe.lines
        #expect(lines.count == 101)
        #expect(lines.prefix(100).map { $0["index"] } == (0..<100).map { "\($0)" })
        #expect(lines.last?["msg"] == "after")
    }

    @Test func aBatchGoesOutOnTheTimerWithNothingElseLogged() throws {
        let pipe = try Pipe()
        let log = ProcessLog(format: .json, fd: pipe.writer, flushMilliseconds: 5)
        log.line(.info, "request") { $0.field("path", "/timer") }
        #expect(waitUntil { pipe.drain(); return pipe.lines.count == 1 })
        #expect(pipe.lines.first?["path"] == "/timer")
        withExtendedLifetime(log) {}
    }

    @Test func linesBelowTheLevelOrFromAQuietLogAreNotQueued() throws {
        let pipe = try Pipe()
        let log = ProcessLog(level: .warn, format: .json, fd: pipe.writer, flushMilliseconds: 1)
        log.line(.info, "request") { $0.field("index", 1) }
        log.line(.warn, "request") { $0.field("index", 2) }
        log.flush()
        pipe.drain()
        #expect(pipe.lines.map { $0["index"] } == ["2"])
    }

    /// Nobody reads the pipe while 20,000 lines are logged: the writer blocks on the full pipe, the bounded buffer
    /// fills, and the rest are dropped rather than waited for (this test would hang if a line waited). Once the
    /// reader catches up, the lines that made it are whole and in order, and the warnings count exactly the others.
    @Test func aStalledReaderCostsLinesNotWaitsAndTheLossIsCounted() throws {
        let pipe = try Pipe()
        let log = ProcessLog(format: .json, fd: pipe.writer, bufferBytes: 16 * 1024, flushMilliseconds: 1)
        let filler = String(repeating: "p", count: 80)
        let total = 20_000
        for index in 0..<total {
            log.line(.info, "request") { line in
                line.field("index", index)
                line.field("path", filler)
            }
        }
        // Drain on another thread while this one flushes what is left (the flush waits for the blocked writer).
        let done = DispatchSemaphore(value: 0)
        let draining = Mutex(true)
        let reader = pipe
        OSThread.start(name: "test-drain") {
            while draining.withLock({ $0 }) {
                if reader.drain() == 0 { usleep(1000) }
            }
            done.signal()
        }
        log.flush()
        log.flush()  // a drop counted by the first flush's batch is reported by the next
        draining.withLock { $0 = false }
        done.wait()
        pipe.drain()
        let lines = pipe.lines
        #expect(!lines.contains { $0["torn"] != nil })
        let requests = lines.filter { $0["msg"] == "request" }.compactMap { $0["index"].flatMap(Int.init) }
        let warnings = lines.filter { $0["msg"] == "log lines dropped" }
        let dropped = warnings.compactMap { $0["count"].flatMap(Int.init) }.reduce(0, +)
        #expect(!warnings.isEmpty && warnings.allSatisfy { $0["level"] == "warn" })
        #expect(requests == requests.sorted() && Set(requests).count == requests.count)
        #expect(requests.count + dropped == total, "\(requests.count) written, \(dropped) counted as dropped")
        #expect(requests.first == 0)
    }
}
