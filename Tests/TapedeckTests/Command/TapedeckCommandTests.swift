import Testing
@testable import Tapedeck

/// The `tapedeck` command line: help texts in-process, exit codes and streams from the real binary.
@Suite struct TapedeckCommandTests {
    /// Runs the built binary on a thread of its own.
    private func run(_ arguments: [String]) async throws -> TapedeckBinary.Finished {
        try await onOwnThread { try TapedeckBinary.run(arguments) }
    }

    /// Whether `help` has a line for every serve flag, with its value placeholder and its default.
    private func listsEveryServeFlag(_ help: String) -> Bool {
        var ok = true
        for spec in ServeOptions.specs {
            let left = "  --\(spec.name)" + (spec.value.map { " \($0)" } ?? "")
            let line = help.split(separator: "\n").first { $0.hasPrefix(left + " ") }
            #expect(line?.hasSuffix("(default: \(spec.defaultText))") == true, "--\(spec.name)")
            ok = ok && line != nil
        }
        return ok
    }

    @Test func helpTextsListEveryFlagWithItsDefault() {
        #expect(listsEveryServeFlag(TapedeckCommand.help))
        #expect(listsEveryServeFlag(TapedeckCommand.serveHelp))
        #expect(TapedeckCommand.help.contains("tapedeck serve [flags]"))
        #expect(TapedeckCommand.help.contains("AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:8787"))
        #expect(TapedeckCommand.serveHelp.hasPrefix("Usage: tapedeck serve [flags]\n"))
        #expect(TapedeckCommand.serveHelp.contains("\nEach flag can also be set, highest precedence first:\n"))
        #expect(TapedeckCommand.serveHelp.contains("TAPEDECK_PORT=9000 TAPEDECK_IGNORE_FIELD=serviceTier,fallbacks TAPEDECK_QUIET=1"))
        #expect(TapedeckCommand.serveHelp.contains(#"{"port": 9000, "ignore-field": ["serviceTier"], "quiet": true}"#))
        #expect(TapedeckCommand.serveHelp.contains("else tapedeck.json in the working directory if present"))
    }

    @Test func binaryIsFound() {
        #expect(TapedeckBinary.path != nil, "build the tapedeck product or set TAPEDECK_BIN")
    }

    @Test(arguments: [["--help"], ["-h"], ["help"]])
    func helpExitsZeroOnStdout(_ arguments: [String]) async throws {
        let result = try await run(arguments)
        #expect(result.reason == .exit)
        #expect(result.status == 0)
        #expect(result.stdout == TapedeckCommand.help + "\n")
        #expect(result.stderr == "")
        #expect(listsEveryServeFlag(result.stdout))
    }

    @Test(arguments: [["serve", "--help"], ["serve", "-h"], ["serve", "--port", "1", "--help"]])
    func serveHelpExitsZeroListingEveryFlagAndDefault(_ arguments: [String]) async throws {
        let result = try await run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout == TapedeckCommand.serveHelp + "\n")
        #expect(result.stderr == "")
        #expect(listsEveryServeFlag(result.stdout))
    }

    @Test func versionExitsZero() async throws {
        let result = try await run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "tapedeck \(ProxyEngine.version)\n")
    }

    @Test(arguments: [
        (["serve", "--bogus"], "tapedeck serve: unknown flag --bogus (see tapedeck serve --help)"),
        (["serve", "--port", "70000"], #"tapedeck serve: --port must be a whole number from 0 to 65535, not "70000""#),
        (["serve", "--mode", "auto"], "tapedeck serve: --mode auto needs --upstream URL"),
        (["serve", "--store", "Cassettes"], #"tapedeck serve: --store must be json:DIR or sqlite:FILE, not "Cassettes""#),
        (["nonsense"], #"tapedeck: unknown command "nonsense" (see tapedeck --help)"#),
        (["--bogus"], #"tapedeck: unknown command "--bogus" (see tapedeck --help)"#),
    ])
    func usageErrorsExitTwoWithOneLineOnStderr(_ arguments: [String], _ line: String) async throws {
        let result = try await run(arguments)
        #expect(result.reason == .exit)
        #expect(result.status == 2)
        #expect(result.stderr == line + "\n")
        #expect(result.stdout == "")
    }

    @Test func noCommandPrintsHelpToStderrAndExitsTwo() async throws {
        let result = try await run([])
        #expect(result.status == 2)
        #expect(result.stderr == TapedeckCommand.help + "\n")
        #expect(result.stdout == "")
    }
}

/// The store commands as the top-level help lists them and as each one's `--help` explains it.
@Suite struct SubcommandHelpTests {
    @Test func theTopLevelHelpListsEveryStoreCommandsUsageLine() {
        for command in TapedeckCommand.subcommands {
            #expect(TapedeckCommand.help.contains("  \(command.usage)\n      \(command.summary)\n"), "\(command.name)")
            #expect(command.usage.hasPrefix("tapedeck \(command.name)"))
            #expect(command.usage.hasSuffix("[--store STORE]"))
        }
    }

    @Test(arguments: ["ls", "show", "rm", "prune", "export", "import", "verify", "stats"])
    func eachHelpExitsZeroListingItsFlags(_ name: String) async throws {
        let command = try #require(TapedeckCommand.subcommands.first { $0.name == name })
        for flag in ["--help", "-h"] {
            let result = try await onOwnThread { try TapedeckBinary.run([name, "--bogus", flag]) }
            #expect(result.status == 0)
            #expect(result.stderr == "")
            #expect(result.stdout == command.help + "\n")
        }
        #expect(command.help.hasPrefix("Usage: \(command.usage)\n\n"))
        for spec in command.specs {
            #expect(command.help.contains("  --\(spec.name)"), "--\(spec.name)")
        }
        #expect(command.help.contains("  --store STORE") && command.help.contains("(default: json:Cassettes)"))
    }
}
