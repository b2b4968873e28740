import Testing
@testable import TapedeckUpstream

/// `credential_process`: split as the AWS CLI splits it, run without a shell, its JSON read, its secrets never echoed.
@Suite struct CredentialProcessTests {
    typealias F = CredentialFixtures

    @Test func splitsAsShlexDoes() throws {
        #expect(try CredentialProcess.split("aws configure export-credentials --profile dev") ==
                ["aws", "configure", "export-credentials", "--profile", "dev"])
        #expect(try CredentialProcess.split(#"  /opt/my tool/x  'a b'  "c \"d\" \e"  f\ g  ''"#) ==
                ["/opt/my", "tool/x", "a b", #"c "d" \e"#, "f g", ""])
        #expect(try CredentialProcess.split("echo $HOME; rm -rf /") == ["echo", "$HOME;", "rm", "-rf", "/"], "no shell: no expansion")
        #expect(throws: CredentialError("has no closing quotation")) { try CredentialProcess.split("say 'hello") }
        #expect(throws: CredentialError("is empty")) { try CredentialProcess.split("   ") }
    }

    @Test func runsTheCommandWithItsArgumentsAndReadsItsDocument() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        // The script prints its arguments as the key id: they arrive as the CLI splits them, unexpanded.
        let script = try fixtures.script("creds.sh", #"printf '{"Version": 1, "AccessKeyId": "%s|%s", "SecretAccessKey": "s"}' "$1" "$2""#)
        let process = CredentialProcess(commandLine: "'\(script)' 'two words' $HOME", environment: fixtures.environment)
        let found = try process.fetch(origin: "profile dev")
        #expect(found.credentials.accessKeyId == "two words|$HOME")
        #expect(found.credentials.sessionToken == nil)
        #expect(found.expiration == nil)
    }

    @Test func aFailingCommandShowsItsStatusAndStderr() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let script = try fixtures.script("fail.sh", "echo '\(F.document())'\necho 'token expired, run aws sso login' >&2\nexit 3")
        let process = CredentialProcess(commandLine: script, environment: fixtures.environment)
        #expect(throws: CredentialError("profile dev: credential_process \(script) exited with status 3: token expired, run aws sso login")) {
            try process.fetch(origin: "profile dev")
        }
        #expect(throws: CredentialError.self) {
            try CredentialProcess(commandLine: "/nonexistent/tool", environment: fixtures.environment).fetch(origin: "p")
        }
    }

    @Test func outputThatIsNotAValidDocumentIsNeverEchoed() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let broken = String(F.document().dropLast())
        for (body, expected) in [
            ("echo '\(broken)'", "its output is not valid JSON (at byte "),
            ("echo '{\"AccessKeyId\": \"\(F.keyId)\", \"SecretAccessKey\": \"\(F.secret)\"}'", "its output needs \"Version\": 1"),
            ("echo '{\"Version\": 1, \"AccessKeyId\": \"\(F.keyId)\", \"SecretAccessKey\": \"\(F.secret)\", \"Expiration\": \"\(F.secret)\"}'",
             "its Expiration is not an RFC 3339 time"),
            ("echo 'AccessKeyId=\(F.keyId) SecretAccessKey=\(F.secret)'", "its output is not valid JSON (at byte "),
        ] {
            let script = try fixtures.script("bad.sh", body)
            do {
                _ = try CredentialProcess(commandLine: script, environment: fixtures.environment).fetch(origin: "profile dev")
                Issue.record("accepted: \(body)")
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
                #expect(!error.message.contains(F.secret) && !error.message.contains(F.token))
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aCommandThatRunsTooLongIsStoppedAndTooMuchOutputRefused() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        var slow = CredentialProcess(commandLine: try fixtures.script("slow.sh", "exec sleep 30"), environment: fixtures.environment)
        slow.timeoutMs = 200
        #expect(throws: CredentialError("profile dev: credential_process \(fixtures.scratch("slow.sh")): it ran longer than 200 ms and was stopped")) {
            try slow.fetch(origin: "profile dev")
        }
        let chatty = CredentialProcess(commandLine: try fixtures.script("chatty.sh", "exec yes"), environment: fixtures.environment)
        #expect(throws: CredentialError("profile dev: credential_process \(fixtures.scratch("chatty.sh")): its output is larger than 65536 bytes")) {
            try chatty.fetch(origin: "profile dev")
        }
    }
}
