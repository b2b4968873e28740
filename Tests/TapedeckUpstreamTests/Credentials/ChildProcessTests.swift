import Foundation
import Glibc
import Testing
@testable import TapedeckUpstream

/// A child run without a shell: its exit status, stdout, a bounded stderr, and its own environment only.
@Suite struct ChildProcessTests {
    private func run(_ script: String, environment: [String: String] = [:]) throws(CredentialError) -> ChildProcess.Result {
        try ChildProcess(arguments: ["/bin/sh", "-c", script], environment: environment, timeoutMs: 30_000, maxStdoutBytes: 1024).run()
    }

    @Test func reportsStatusOutputAndABoundedStderr() throws {
        let result = try run("printf out; head -c 5000 /dev/zero >&2; exit 7")
        #expect(result.exitStatus == 7)
        #expect(result.stdout == Array("out".utf8))
        #expect(result.stderr.count == 1024 && result.stderr.allSatisfy { $0 == 0 })
        #expect(try run("kill -9 $$").exitStatus == nil, "a signal is no exit status")
    }

    @Test func theChildSeesOnlyTheEnvironmentItIsGiven() throws {
        #expect(try run("printf '%s|%s' \"$ONLY\" \"$HOME\"", environment: ["ONLY": "this"]).stdout == Array("this|".utf8))
    }

    @Test func theChildGetsDefaultSignalsAndAnEmptyMask() throws {
        // As in `tapedeck serve`: SIGPIPE ignored, and this thread blocking a signal.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        var block = sigset_t(), saved = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        let status = String(decoding: try run("grep -E '^(SigBlk|SigIgn)' /proc/self/status").stdout, as: UTF8.self)
        let fields = Dictionary(uniqueKeysWithValues: status.split(separator: "\n").map { line in
            let parts = line.split(separator: ":")
            return (String(parts[0]), UInt64(parts[1].trimmingCharacters(in: .whitespaces), radix: 16) ?? .max)
        })
        #expect(fields["SigBlk"] == 0)
        #expect(fields["SigIgn"].map { $0 & (1 << (UInt64(SIGPIPE) - 1)) } == 0, "SIGPIPE is not ignored in the child")
    }

    @Test func aProgramThatIsNotThereIsAnError() {
        #expect(throws: CredentialError("cannot run /nonexistent/program: No such file or directory")) {
            try ChildProcess(arguments: ["/nonexistent/program"], environment: [:], timeoutMs: 1000, maxStdoutBytes: 10).run()
        }
    }
}
