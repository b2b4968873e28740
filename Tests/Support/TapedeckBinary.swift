import Foundation
import Glibc
import TapedeckSystem

/// The built `tapedeck` executable: next to the test bundle, or wherever `TAPEDECK_BIN` says.
package enum TapedeckBinary {
    /// The executable's path, or nil when it cannot be found.
    package static let path: String? = {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let exe = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let candidate = String(exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)]) + "/tapedeck"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        if let configured = ProcessInfo.processInfo.environment["TAPEDECK_BIN"], access(configured, X_OK) == 0 {
            return configured
        }
        return nil
    }()

    /// The port in serve's `listening` line: `address=http://127.0.0.1:8787` or `"address":"http://127.0.0.1:8787"`.
    package static func port(inListening line: String) -> Int? {
        guard let start = line.range(of: "http://")?.upperBound else { return nil }
        let address = line[start...].prefix { $0 != " " && $0 != "\"" }
        return address.split(separator: ":").last.flatMap { Int($0) }
    }

    /// What a finished run left behind.
    package struct Finished: Sendable {
        package var status: Int32
        package var reason: Process.TerminationReason
        package var stdout: String
        package var stderr: String

        /// Non-empty stderr lines.
        package var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    struct NotFound: Error, CustomStringConvertible {
        var description: String { "no tapedeck binary next to the test bundle and no executable TAPEDECK_BIN" }
    }

    /// Runs `tapedeck arguments` to completion on the calling thread (use `onOwnThread`), in `workingDirectory`
    /// (default: the test's own) with `environment` added to the test's own.
    package static func run(
        _ arguments: [String], workingDirectory: String? = nil, environment: [String: String] = [:], launcher: [String] = []
    ) throws -> Finished {
        let running = try Running(arguments, workingDirectory: workingDirectory, environment: environment, launcher: launcher)
        let stdout = Mutex(Data())
        let done = DispatchSemaphore(value: 0)
        let handle = running.stdout.fileHandleForReading
        Thread {
            let data = handle.readDataToEndOfFile()
            stdout.withLock { $0 = data }
            done.signal()
        }.start()
        var stderr: [UInt8] = []
        while let chunk = running.readStderr() { stderr += chunk }
        done.wait()
        running.process.waitUntilExit()
        return Finished(
            status: running.process.terminationStatus, reason: running.process.terminationReason,
            stdout: String(decoding: stdout.withLock { $0 }, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A started `tapedeck` whose stderr is read line by line while it runs.
    package final class Running {
        package let process = Process()
        let stdout = Pipe()
        private let stderr = Pipe()
        private var pending: [UInt8] = []
        /// Every stderr line read so far.
        package private(set) var lines: [String] = []

        /// Starts `tapedeck arguments` in `workingDirectory` (default: the test's own) with `environment` added to the
        /// test's own, through `launcher` when given (a command found on PATH, e.g. `["setpriv", …]`).
        package init(_ arguments: [String], workingDirectory: String? = nil, environment: [String: String] = [:], launcher: [String] = []) throws {
            guard let path = TapedeckBinary.path else { throw NotFound() }
            process.executableURL = URL(fileURLWithPath: launcher.isEmpty ? path : "/usr/bin/env")
            process.arguments = launcher.isEmpty ? arguments : launcher + [path] + arguments
            if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
            }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdout
            process.standardError = stderr
            try ServeProcess.runUnblocked(process)
        }

        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        /// The next bytes of stderr, or nil at end of file.
        fileprivate func readStderr() -> [UInt8]? {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let fd = stderr.fileHandleForReading.fileDescriptor
            do throws(SystemError) {
                let n = try Syscall.call("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
                return n > 0 ? Array(chunk[..<n]) : nil
            } catch {
                return nil
            }
        }

        /// Reads stderr until a line contains `text` and returns that line; nil when stderr ended first.
        package func waitForLine(containing text: String) -> String? {
            waitForLine { $0.contains(text) }
        }

        /// Reads stderr until a line satisfies `wanted` and returns that line; nil when stderr ended first.
        package func waitForLine(where wanted: (String) -> Bool) -> String? {
            while true {
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    lines.append(line)
                    if wanted(line) { return line }
                }
                guard let chunk = readStderr() else {
                    if !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)) }
                    pending.removeAll()
                    return nil
                }
                pending += chunk
            }
        }

        /// Reads stderr until serve's `listening` line (text or JSON format) and returns it; nil when stderr ended first.
        package func waitForListening() -> String? {
            waitForLine { $0.contains(" INFO  listening address=") || $0.contains(#""msg":"listening""#) }
        }

        /// Reads stderr until serve's `listening` line and returns the port it names; nil when stderr ended first.
        package func waitForPort() -> Int? {
            waitForListening().flatMap(TapedeckBinary.port(inListening:))
        }

        /// Sends `signal` to the process.
        package func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// Waits for the exit and returns its status and reason.
        package func waitForExit() -> (status: Int32, reason: Process.TerminationReason) {
            process.waitUntilExit()
            return (process.terminationStatus, process.terminationReason)
        }
    }
}
