import Foundation
import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckCommand

/// `tapedeck serve` as a child process on a port it picked itself, its stderr collected line by line as it arrives
/// (so a test can wait for a log line while it keeps sending requests).
///
/// ```swift
/// let serve = try ServeProcess(["--store", "json:\(dir)", "--upstream", origin.baseURL])
/// defer { serve.kill() }
/// let response = try serve.post(ProxyHarness.haikuPath, body: ProxyHarness.helloBody)
/// ```
package final class ServeProcess: @unchecked Sendable {
    /// serve exited before it said where it listens.
    struct DidNotStart: Error, CustomStringConvertible {
        let lines: [String]
        var description: String { "tapedeck serve did not start: \(lines)" }
    }

    private struct Output {
        var lines: [String] = []
        var ended = false
    }

    package let process = Process()
    /// The port serve listens on, on 127.0.0.1.
    package private(set) var port = 0
    private let output = Mutex(Output())
    private let readerDone = DispatchSemaphore(value: 0)

    /// Starts `tapedeck serve --port 0 arguments…` (through `launcher` when given: a command found on PATH, e.g.
    /// `["setpriv", …]`) and waits for its `listening` line, or with `startedWhen`, for a line holding that text
    /// (then `awaitListening` waits for the `listening` line).
    package init(_ arguments: [String], environment: [String: String] = [:], launcher: [String] = [], startedWhen: String? = nil) throws {
        guard let binary = TapedeckBinary.path else { throw TapedeckBinary.NotFound() }
        let serve = [binary, "serve", "--port", "0"] + arguments
        process.executableURL = URL(fileURLWithPath: launcher.isEmpty ? binary : "/usr/bin/env")
        process.arguments = launcher.isEmpty ? Array(serve.dropFirst()) : launcher + serve
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        try ServeProcess.runUnblocked(process)
        let fd = stderr.fileHandleForReading.fileDescriptor
        // The reader holds the pipe and the buffer, never `self`, so dropping the last reference kills the child.
        let output = output
        let done = readerDone
        Thread {
            withExtendedLifetime(stderr) { ServeProcess.readLines(fd: fd, into: output) }
            done.signal()
        }.start()
        if let startedWhen {
            guard waitForLine(containing: startedWhen) != nil else {
                kill()
                throw DidNotStart(lines: lines)
            }
            return
        }
        try awaitListening()
    }

    /// Waits for the `listening` line and takes the port from it.
    package func awaitListening() throws {
        guard let line = waitForLine(containing: " INFO  listening address="),
              let port = TapedeckBinary.port(inListening: line) else {
            kill()
            throw DidNotStart(lines: lines)
        }
        self.port = port
    }

    deinit { kill() }

    /// The child's process id.
    package var pid: Int32 { process.processIdentifier }

    /// Every stderr line so far.
    package var lines: [String] { output.withLock { $0.lines } }

    /// Waits (up to 20 s) for a stderr line containing `text` and returns the first one; nil if none came.
    package func waitForLine(containing text: String) -> String? {
        for _ in 0..<10_000 {
            let (found, ended) = output.withLock { state in (state.lines.first { $0.contains(text) }, state.ended) }
            if let found { return found }
            if ended { return nil }
            usleep(2000)
        }
        return nil
    }

    /// Sends one request on a fresh connection and reads the answer.
    package func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> RawResponse {
        try RawClient(port: port).exchange(method, path, headers: headers, body: body)
    }

    /// POSTs `body` (JSON text) to `path`.
    package func post(_ path: String, body: String, headers: [(String, String)] = []) throws -> RawResponse {
        try request("POST", path, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8))
    }

    /// `/_tapedeck/stats`, parsed.
    package func stats() throws -> JSONValue {
        try JSONParser.parse(try request("GET", "/_tapedeck/stats").body)
    }

    /// Stops serve with SIGTERM and returns its exit status once it has exited and its stderr is read to the end.
    @discardableResult
    package func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        Glibc.kill(pid, SIGTERM)
        process.waitUntilExit()
        readerDone.wait()
        readerDone.signal()
        return process.terminationStatus
    }

    /// Kills serve with SIGKILL (nothing is flushed, nothing finishes) and waits for it to be gone.
    package func kill() {
        guard process.isRunning else { return }
        Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts `process` from a thread with no signal blocked, so the child starts as it would from a shell.
    ///
    /// A spawned process inherits the spawning thread's signal mask, and the test runner's pool threads block most
    /// signals: a child started from one would never feel SIGXFSZ or SIGPIPE, hiding the very faults tested here.
    package static func runUnblocked(_ process: Process) throws {
        let result = Mutex<Result<Void, any Error>>(.success(()))
        let done = DispatchSemaphore(value: 0)
        Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do {
                try process.run()
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }.start()
        done.wait()
        try result.withLock { $0 }.get()
    }

    private static func readLines(fd: Int32, into output: Mutex<Output>) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n: Int
            do throws(SystemError) {
                n = try Syscall.call("read") { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            } catch {
                break
            }
            guard n > 0 else { break }
            pending += chunk[..<n]
            var complete: [String] = []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                complete.append(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
            if !complete.isEmpty { output.withLock { $0.lines += complete } }
        }
        output.withLock { state in
            if !pending.isEmpty { state.lines.append(String(decoding: pending, as: UTF8.self)) }
            state.ended = true
        }
    }
}
