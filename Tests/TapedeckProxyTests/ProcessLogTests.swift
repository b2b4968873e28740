import Foundation
import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckBedrock
@testable import TapedeckProxy
import TapedeckTestSupport

/// The log writer: which events it keeps at each level, `--quiet`, and whole lines from many threads at once.
@Suite struct ProcessLogTests {
    /// What a log writing to a pipe wrote while `body` ran; the pipe is drained on another thread as stderr would be.
    private func written(_ body: (Int32) -> Void) throws -> String {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let reader = fds[0]
        let collected = Mutex<[UInt8]>([])
        let done = DispatchSemaphore(value: 0)
        Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n: Int
                do {
                    n = try Syscall.call("read") { buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) } }
                } catch {
                    break
                }
                if n == 0 { break }
                collected.withLock { $0 += buffer[..<n] }
            }
            done.signal()
        }.start()
        body(fds[1])
        close(fds[1])
        done.wait()
        close(reader)
        return String(decoding: collected.withLock { $0 }, as: UTF8.self)
    }

    /// The messages of the lines `log` wrote for one event of each level and three requests (info, admin, 502).
    private func messages(level: LogLevel, requests: Bool = true) throws -> [String] {
        let text = try written { fd in
            let log = ProcessLog(level: level, format: .json, requests: requests, fd: fd)
            log.debug("d")
            log.info("i")
            log.warn("w")
            log.error("e")
            log.request(method: "POST", path: "/model/m/converse", route: nil, key: nil, namespace: "", outcome: .hit,
                        status: 200, bytesIn: 1, bytesOut: 2, startedAt: MonotonicClock.nanoseconds())
            log.request(method: "GET", path: "/_tapedeck/health", route: nil, key: nil, namespace: "", outcome: .admin,
                        status: 200, bytesIn: 0, bytesOut: 2, startedAt: MonotonicClock.nanoseconds())
            log.request(method: "POST", path: "/model/m/converse", route: nil, key: nil, namespace: "", outcome: .miss,
                        status: 502, bytesIn: 1, bytesOut: 2, startedAt: MonotonicClock.nanoseconds())
        }
        return try text.split(separator: "\n").map { line in
            let fields = try #require(LogLines.json(String(line)))
            return "\(fields["level"] ?? "?") \(fields["msg"] ?? "?")" + (fields["status"].map { " \($0) \(fields["outcome"] ?? "")" } ?? "")
        }
    }

    @Test func eachLevelKeepsItselfAndWhatIsMoreSerious() throws {
        #expect(try messages(level: .debug) == [
            "debug d", "info i", "warn w", "error e", "info request 200 hit", "debug request 200 admin", "warn request 502 miss",
        ])
        #expect(try messages(level: .info) == ["info i", "warn w", "error e", "info request 200 hit", "warn request 502 miss"])
        #expect(try messages(level: .warn) == ["warn w", "error e", "warn request 502 miss"])
        #expect(try messages(level: .error) == ["error e"])
    }

    @Test func quietLeavesOutEveryRequestLineButNothingElse() throws {
        #expect(try messages(level: .debug, requests: false) == ["debug d", "info i", "warn w", "error e"])
    }

    @Test func aDisabledLogWritesNothing() throws {
        let text = try written { fd in
            let log = ProcessLog(enabled: false, fd: fd)
            log.error("e")
            log.request(method: "GET", path: "/", route: nil, key: nil, namespace: "", outcome: .error, status: 500,
                        bytesIn: 0, bytesOut: 0, startedAt: 0)
        }
        #expect(text == "")
    }

    @Test func aRequestLineCarriesEveryField() throws {
        let key = try #require(CacheKey(hex: String(repeating: "ab", count: 32)))
        let route = BedrockRoute(prefix: "/bedrock", modelId: "m:1", operation: .converseStream)
        let text = try written { fd in
            ProcessLog(format: .text, fd: fd).request(
                method: "POST", path: "/bedrock/model/m%3A1/converse-stream", route: route, key: key, namespace: "team-a",
                outcome: .record, status: 200, bytesIn: 57, bytesOut: 1234, startedAt: MonotonicClock.nanoseconds())
        }
        let fields = try #require(LogLines.text(String(text.dropLast())))
        #expect(fields["msg"] == "request")
        #expect(fields["level"] == "info")
        #expect(fields["method"] == "POST")
        #expect(fields["path"] == "/bedrock/model/m%3A1/converse-stream")
        #expect(fields["model"] == "m:1")
        #expect(fields["operation"] == "converse-stream")
        #expect(fields["outcome"] == "record")
        #expect(fields["status"] == "200")
        #expect(fields["key"] == String(repeating: "ab", count: 6))
        #expect(fields["namespace"] == "team-a")
        #expect(fields["bytes_in"] == "57")
        #expect(fields["bytes_out"] == "1234")
        #expect(fields["latency_ms"].flatMap(Double.init) != nil)
    }

    @Test func linesFromManyThreadsNeverInterleave() throws {
        let long = String(repeating: "x", count: 10_000)
        let text = try written { fd in
            let log = ProcessLog(format: .json, fd: fd)
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                for index in 0..<25 { log.warn("burst", [LogField("thread", thread), LogField("index", index), LogField("filler", long)]) }
            }
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 200)
        var seen: Set<String> = []
        for line in lines {
            let fields = try #require(LogLines.json(String(line)), "a torn line")
            #expect(fields["filler"] == long)
            seen.insert("\(fields["thread"] ?? "") \(fields["index"] ?? "")")
        }
        #expect(seen.count == 200)
    }

    /// SQLite's error text can hold the multi-line statement that failed; it stays inside one line, in either format.
    @Test func anErrorWithLineBreaksStaysOneLine() throws {
        let error = "INSERT INTO cassettes\n  VALUES(?1)\r\n2026-11-25T00:00:00.000Z ERROR forged"
        for format in [LogFormat.text, .json] {
            let text = try written { fd in
                ProcessLog(format: format, fd: fd).error("not stored", [LogField("error", error)])
            }
            #expect(text.split(separator: "\n").count == 1, "\(text)")
            let fields = try #require(format == .text ? LogLines.text(String(text.dropLast())) : LogLines.json(String(text)))
            #expect(fields["error"] == error)
        }
    }
}
