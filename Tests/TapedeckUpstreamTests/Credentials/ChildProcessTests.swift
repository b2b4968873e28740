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

    @Test func aProgramThatIsNotThereIsAnError() {
        #expect(throws: CredentialError("cannot run /nonexistent/program: No such file or directory")) {
            try ChildProcess(arguments: ["/nonexistent/program"], environment: [:], timeoutMs: 1000, maxStdoutBytes: 10).run()
        }
    }
}
