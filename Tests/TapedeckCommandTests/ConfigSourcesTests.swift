import Glibc
import Testing
@testable import TapedeckSystem
@testable import TapedeckCommand
import TapedeckTestSupport

/// `serve`'s settings from flags, `TAPEDECK_*` variables and a settings file, merged per flag in that precedence.
@Suite struct ConfigSourcesTests {
    /// Writes `json` as `name` in `scratch`.
    private func write(_ json: String, _ name: String = "tapedeck.json", in scratch: ScratchDirectory) throws {
        try CassetteFixtures.write(Array(json.utf8), to: scratch(name))
    }

    /// The reason serve refuses `arguments` with `environment` in `directory`, or nil when it is accepted.
    private func refusal(_ arguments: [String], _ environment: [String: String] = [:], in directory: String) -> String? {
        do {
            _ = try ServeOptions.parse(arguments, environment: environment, workingDirectory: directory)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func aScalarTakesFlagOverEnvironmentOverFileOverDefault() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        func port(_ arguments: [String], _ environment: [String: String]) throws -> Int {
            try ServeOptions.parse(arguments, environment: environment, workingDirectory: scratch.path).port
        }
        #expect(try port([], [:]) == 8787)
        try write(#"{"port": 9001}"#, in: scratch)
        #expect(try port([], [:]) == 9001)
        #expect(try port([], ["TAPEDECK_PORT": "9002"]) == 9002)
        #expect(try port(["--port", "9003"], ["TAPEDECK_PORT": "9002"]) == 9003)
        #expect(try port(["--port=9003"], [:]) == 9003)
    }

    @Test func aRepeatableFlagIsReplacedWholeByAHigherSource() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        func fields(_ arguments: [String], _ environment: [String: String]) throws -> [String] {
            try ServeOptions.parse(arguments, environment: environment, workingDirectory: scratch.path).proxyConfiguration.ignoreFields
        }
        #expect(try fields([], [:]) == [])
        try write(#"{"ignore-field": ["serviceTier", "fallbacks"]}"#, in: scratch)
        #expect(try fields([], [:]) == ["serviceTier", "fallbacks"])
        #expect(try fields([], ["TAPEDECK_IGNORE_FIELD": "performanceConfig,inferenceConfig.topP"]) == ["performanceConfig", "inferenceConfig.topP"])
        #expect(try fields([], ["TAPEDECK_IGNORE_FIELD": ""]) == [])
        #expect(try fields(["--ignore-field", "a", "--ignore-field", "b.c"], ["TAPEDECK_IGNORE_FIELD": "performanceConfig"]) == ["a", "b.c"])
        #expect(try fields(["--ignore-field", "a"], [:]) == ["a"])
    }

    @Test func aSwitchCanBeTurnedOffByAHigherSource() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        func quiet(_ arguments: [String], _ environment: [String: String]) throws -> Bool {
            try ServeOptions.parse(arguments, environment: environment, workingDirectory: scratch.path).quiet
        }
        try write(#"{"quiet": true}"#, in: scratch)
        #expect(try quiet([], [:]))
        #expect(try quiet([], ["TAPEDECK_QUIET": "0"]) == false)
        #expect(try quiet([], ["TAPEDECK_QUIET": "false"]) == false)
        #expect(try quiet(["--quiet"], ["TAPEDECK_QUIET": "0"]))
        try write(#"{"quiet": false}"#, in: scratch)
        #expect(try quiet([], [:]) == false)
        #expect(try quiet([], ["TAPEDECK_QUIET": "1"]))
    }

    @Test func everyFlagButConfigCanComeFromTheFileAndTheEnvironment() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try write("""
            {"host": "0.0.0.0", "port": 0, "mode": "auto", "upstream": "https://h", "store": "sqlite:t.db",
             "ignore-field": ["serviceTier"], "namespace": "team-a", "namespace-fallback": true, "repeats": "sequence",
             "strict": true, "max-age": "30d", "on-expired": "warn", "max-body-bytes": 1024, "upstream-timeout": 5,
             "hit-latency-ms": 250, "hit-usage": "zero", "hit-delay-ms": 7, "replay-pace": 25, "threads": 3,
             "read-timeout": 4, "idle-timeout": 6, "shutdown-grace": 0, "aws-sign": true, "aws-region": "eu-west-1",
             "quiet": true, "auth-token": "token-from-the-settings-file", "log-format": "json", "log-level": "debug",
             "allowed-host": ["tapedeck.test"]}
            """, in: scratch)
        let keys = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]
        let fromFile = try ServeOptions.parse([], environment: keys, workingDirectory: scratch.path)
        var environment = keys
        for spec in ServeOptions.specs where spec.name != "config" {
            let values = try #require(fromFile.sources.values[spec.name], "--\(spec.name) is missing from the file")
            environment[ConfigEnvironment.variable(for: spec.name)] = values.joined(separator: ",")
        }
        let fromEnvironment = try ServeOptions.parse([], environment: environment, workingDirectory: "/nonexistent")
        for options in [fromFile, fromEnvironment] {
            #expect(options.host == "0.0.0.0")
            #expect(options.port == 0)
            #expect(options.mode == .auto)
            #expect(options.upstream == "https://h")
            #expect(options.store == "sqlite:t.db")
            #expect(options.ignoreFields == ["serviceTier"])
            #expect(options.namespace == "team-a")
            #expect(options.namespaceFallback)
            #expect(options.repeats == .sequence)
            #expect(options.strict)
            #expect(options.maxAgeSeconds == 30 * 86_400)
            #expect(options.onExpired == .warn)
            #expect(options.maxBodyBytes == 1024)
            #expect(options.upstreamTimeoutSeconds == 5)
            #expect(options.hitLatencyMs == 250)
            #expect(options.hitUsage == .zero)
            #expect(options.hitDelayMs == 7)
            #expect(options.replayPace == .every(milliseconds: 25))
            #expect(options.threads == 3)
            #expect(options.readTimeoutSeconds == 4)
            #expect(options.idleTimeoutSeconds == 6)
            #expect(options.shutdownGraceSeconds == 0)
            #expect(options.upstreamAuth != nil)
            #expect(options.quiet)
            #expect(options.authToken == "token-from-the-settings-file")
            #expect(options.logFormat == .json)
            #expect(options.logLevel == .debug)
        }
        #expect(fromFile.sources.file == "tapedeck.json")
        #expect(fromEnvironment.sources.file == nil)
    }

    @Test func configNamesAnotherFileWhichMustExist() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try write(#"{"port": 9001}"#, in: scratch)
        try write(#"{"port": 9005, "quiet": true}"#, "ci.json", in: scratch)
        let relative = try ServeOptions.parse(["--config", "ci.json"], environment: [:], workingDirectory: scratch.path)
        #expect(relative.port == 9005)
        #expect(relative.quiet)
        #expect(relative.sources.file == "ci.json")
        let absolute = try ServeOptions.parse(["--config=\(scratch("ci.json"))"], environment: [:], workingDirectory: "/nonexistent")
        #expect(absolute.port == 9005)
        let fromVariable = try ServeOptions.parse([], environment: ["TAPEDECK_CONFIG": "ci.json"], workingDirectory: scratch.path)
        #expect(fromVariable.port == 9005)
        let flagWins = try ServeOptions.parse(
            ["--config", "tapedeck.json"], environment: ["TAPEDECK_CONFIG": "ci.json"], workingDirectory: scratch.path)
        #expect(flagWins.port == 9001)

        #expect(refusal(["--config", "missing.json"], in: scratch.path) == "--config missing.json: no such file")
        #expect(refusal(["--config", "nowhere/missing.json"], in: scratch.path) == "--config nowhere/missing.json: no such file")
        #expect(refusal([], ["TAPEDECK_CONFIG": "missing.json"], in: scratch.path) == "TAPEDECK_CONFIG missing.json: no such file")
        #expect(refusal(["--config", ""], in: scratch.path) == "--config needs a file name")
        #expect(refusal(["--config", "ci.json", "--config", "ci.json"], in: scratch.path) == "--config given more than once")
        try write(#"{"config": "ci.json"}"#, "nested.json", in: scratch)
        #expect(refusal(["--config", "nested.json"], in: scratch.path) == #"nested.json: unknown key "config""#)
    }

    @Test func badValuesSayWhereTheyCameFrom() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try write(#"{"port": "eighty", "mode": "record", "namespace": "a/b", "ignore-field": ["a..b"]}"#, in: scratch)
        let port = #"--port must be a whole number from 0 to 65535, not "eighty""#
        #expect(refusal([], in: scratch.path) == port + " (from tapedeck.json)")
        #expect(refusal([], ["TAPEDECK_PORT": "eighty"], in: "/nonexistent") == port + " (from TAPEDECK_PORT)")
        #expect(refusal(["--port", "eighty"], in: scratch.path) == port)
        #expect(refusal(["--port", "1"], in: scratch.path) == "--mode record needs --upstream URL (from tapedeck.json)")
        #expect(refusal(["--port", "1", "--upstream", "http://h", "--strict"], in: scratch.path)
                == "--strict cannot be used with --mode record: strict runs replay cassettes (from tapedeck.json)")
        #expect(refusal(["--port", "1", "--mode", "replay"], in: scratch.path)
                == #"--ignore-field must be a dotted path such as serviceTier or inferenceConfig.topP, not "a..b" (from tapedeck.json)"#)
        #expect(refusal(["--port", "1", "--mode", "replay", "--ignore-field", "x"], in: scratch.path)
                == #"--namespace "a/b" is refused: namespace may hold only letters, digits, ".", "_" and "-" (from tapedeck.json)"#)
        #expect(refusal([], ["TAPEDECK_ON_EXPIRED": "warn"], in: "/nonexistent")
                == "--on-expired needs --max-age AGE: without it nothing expires (from TAPEDECK_ON_EXPIRED)")
        #expect(refusal([], ["TAPEDECK_MAX_AGE": "1w"], in: "/nonexistent")
                == #"--max-age must be a whole number followed by d, h, m or s (e.g. 30d, 12h), not "1w" (from TAPEDECK_MAX_AGE)"#)
    }

    @Test func fileAndEnvironmentErrorsStopServeFirst() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try write(#"{"prot": 9000}"#, in: scratch)
        #expect(refusal([], in: scratch.path) == #"tapedeck.json: unknown key "prot"; did you mean "port"?"#)
        #expect(refusal(["--port", "1"], in: scratch.path) == #"tapedeck.json: unknown key "prot"; did you mean "port"?"#,
                "a flag does not hide a broken file")
        #expect(refusal([], ["TAPEDECK_PROT": "1"], in: "/nonexistent") == nil, "an unknown variable is a warning, not a refusal")
        #expect(refusal(["--bogus"], ["TAPEDECK_PROT": "1"], in: scratch.path) == "unknown flag --bogus (see tapedeck serve --help)")
        try write(#"{"port": 9000"#, in: scratch)
        #expect(refusal([], in: scratch.path) == "tapedeck.json: invalid JSON at byte 13: unexpected end of input, expected ',' or '}'")
    }

    @Test func theSummaryNamesWhatEachSourceSet() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try write(#"{"quiet": true, "port": 0, "threads": 2}"#, in: scratch)
        let options = try ServeOptions.parse(
            ["--threads", "3"], environment: ["TAPEDECK_HIT_USAGE": "zero", "TAPEDECK_BIN": "/x"], workingDirectory: scratch.path)
        #expect(options.sources.summary == [
            LogEvent(.info, "settings from file", [LogField("file", "tapedeck.json"), LogField("flags", "port,quiet")]),
            LogEvent(.info, "settings from the environment", [LogField("variables", "TAPEDECK_HIT_USAGE")]),
        ])
        #expect(options.sources.origins["threads"] == .commandLine)
        #expect(try ServeOptions.parse([], environment: [:], workingDirectory: "/nonexistent").sources.summary == [])
    }
}

/// The real binary picks up `tapedeck.json` from its working directory and lets the environment override it.
@Suite struct ConfigBinaryTests {
    /// Starts serve in `directory`, sends one Converse request (a replay miss), stops it, and returns its stderr lines.
    private func serve(in directory: String, environment: [String: String] = [:]) async throws -> [String] {
        try await onOwnThread {
            let running = try TapedeckBinary.Running(["serve"], workingDirectory: directory, environment: environment)
            guard let line = running.waitForListening() else {
                running.send(SIGKILL)
                _ = running.waitForExit()
                return running.lines
            }
            if let port = TapedeckBinary.port(inListening: line) {
                let client = try RawClient(port: port)
                let body = #"{"messages":[{"role":"user","content":[{"text":"hi"}]}]}"#
                try client.send("POST /model/m/converse HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                _ = try client.readResponse()
            }
            running.send(SIGTERM)
            _ = running.waitForLine(containing: "stopped")
            _ = running.waitForExit()
            return running.lines
        }
    }

    @Test func tapedeckJSONInTheWorkingDirectoryIsUsed() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CassetteFixtures.write(Array(#"{"port": 0, "quiet": true}"#.utf8), to: scratch("tapedeck.json"))
        let lines = try await serve(in: scratch.path)
        #expect(lines.contains { $0.hasSuffix(" INFO  settings from file file=tapedeck.json flags=port,quiet") }, "\(lines)")
        let listening = try #require(lines.first { $0.contains(" listening address=http://127.0.0.1:") })
        #expect(!listening.contains(":8787 "), "port 0 picked a free port")
        #expect(!lines.contains { $0.contains("path=/model/m/converse") }, "quiet: no request line")

        let loud = try await serve(in: scratch.path, environment: ["TAPEDECK_QUIET": "0"])
        #expect(loud.contains { $0.hasSuffix(" settings from file file=tapedeck.json flags=port") }, "\(loud)")
        #expect(loud.contains { $0.hasSuffix(" settings from the environment variables=TAPEDECK_QUIET") })
        #expect(loud.contains { $0.contains(" request method=POST path=/model/m/converse ") && $0.contains(" outcome=miss status=404 ") }, "\(loud)")
    }

    @Test func anUnknownVariableIsAWarningForEveryCommandAlike() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let environment = ["TAPEDECK_HOME": "/opt/another-tool", "TAPEDECK_PROT": "9000", "TAPEDECK_PORT": "0"]
        let lines = try await serve(in: scratch.path, environment: environment)
        #expect(lines.contains { $0.contains(" WARN  unknown environment variable ignored variable=TAPEDECK_HOME nearest_known=TAPEDECK_HOST") }, "\(lines)")
        #expect(lines.contains { $0.contains(" WARN  unknown environment variable ignored variable=TAPEDECK_PROT did_you_mean=TAPEDECK_PORT") })
        #expect(lines.contains { $0.contains(" listening ") }, "serve starts regardless")
        try CassetteFixtures.write(Array("{}".utf8), to: scratch("Cassettes/.keep"))
        for command in [["ls"], ["stats"], ["verify"]] {
            let result = try await onOwnThread {
                try TapedeckBinary.run(command, workingDirectory: scratch.path, environment: environment)
            }
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stderr.hasPrefix("""
                tapedeck \(command[0]): warning: unknown environment variable TAPEDECK_HOME is ignored (the nearest known one is TAPEDECK_HOST; TAPEDECK_ variables set tapedeck serve's flags)
                tapedeck \(command[0]): warning: unknown environment variable TAPEDECK_PROT is ignored; did you mean TAPEDECK_PORT?

                """), "\(command): \(result.stderr)")
        }
    }

    @Test func aBrokenSourceExitsTwoNamingIt() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cases: [([String], [String: String], String)] = [
            (["serve", "--config", "missing.json"], [:], "tapedeck serve: --config missing.json: no such file"),
            (["serve", "--config", "bad.json"], [:], #"tapedeck serve: bad.json: unknown key "prot"; did you mean "port"?"#),
        ]
        try CassetteFixtures.write(Array(#"{"prot": 9000}"#.utf8), to: scratch("bad.json"))
        for (arguments, environment, line) in cases {
            let result = try await onOwnThread {
                try TapedeckBinary.run(arguments, workingDirectory: scratch.path, environment: environment)
            }
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr == line + "\n")
            #expect(result.stdout == "")
        }
    }
}
