import Testing
@testable import TapedeckProxy
@testable import TapedeckCommand
import TapedeckTestSupport

/// The `tapedeck` command line: help texts in-process, exit codes and streams from the real binary.
@Suite struct TapedeckCommandTests {
    /// Runs the built binary on a thread of its own.
    private func run(_ arguments: [String]) async throws -> TapedeckBinary.Finished {
        try await onOwnThread { try TapedeckBinary.run(arguments) }
    }

    @Test func helpTextsMatchTheirGoldenFiles() throws {
        try Golden.check(TapedeckCommand.help + "\n", "help")
        try Golden.check(TapedeckCommand.serveHelp + "\n", "help-serve")
        for command in TapedeckCommand.subcommands { try Golden.check(command.help + "\n", "help-\(command.name)") }
    }

    /// Every help page: `Usage:`, one paragraph, `Options:` with each flag, its value, its default and `-h, --help`.
    @Test func everyHelpHasTheUsualLayout() throws {
        let pages: [(String, [FlagSpec])] = [(TapedeckCommand.serveHelp, ServeOptions.specs)]
            + TapedeckCommand.subcommands.map { ($0.help, $0.specs) }
        for (page, specs) in pages + [(TapedeckCommand.help, [])] {
            let blocks = page.components(separatedBy: "\n\n")
            #expect(blocks[0].hasPrefix("Usage: tapedeck "), "\(blocks[0])")
            let paragraph = blocks[1].split(separator: "\n")
            #expect(!paragraph.isEmpty && paragraph.allSatisfy { !$0.hasPrefix(" ") }, "one paragraph: \(blocks[1])")
            #expect(blocks[2].hasSuffix(":") == false && blocks[2].split(separator: "\n").first?.hasSuffix(":") == true,
                    "a titled section follows the paragraph: \(blocks[2])")
            let options = try #require(blocks.first { $0.hasPrefix("Options:\n") }, "\(page)")
            let entries = Self.entries(options)
            #expect(entries.contains("-h, --help print this help and exit"), "\(entries)")
            #expect(entries.count == specs.count + (specs.isEmpty ? 2 : 1), "\(entries)")
            for spec in specs {
                let left = "--\(spec.name)" + (spec.value.map { " \($0)" } ?? "")
                let entry = entries.first { $0.hasPrefix(left + " ") }
                #expect(entry?.hasSuffix(" (default: \(spec.defaultText))") == true, "\(left): \(entry ?? "missing")")
            }
            for line in page.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        }
    }

    /// The options block as one string per option, continuation lines joined.
    private static func entries(_ options: String) -> [String] {
        var entries: [String] = []
        for line in options.split(separator: "\n").dropFirst() {
            let words = line.split(separator: " ").joined(separator: " ")
            if line.hasPrefix("  -") { entries.append(words) } else if !entries.isEmpty { entries[entries.count - 1] += " " + words }
        }
        return entries
    }

    @Test func theTopLevelHelpListsEveryCommand() {
        #expect(TapedeckCommand.commandNames == ["serve", "ls", "show", "rm", "prune", "export", "import", "verify", "stats", "diff"])
        for command in TapedeckCommand.subcommands {
            #expect(TapedeckCommand.help.contains("\n  \(command.name)" + String(repeating: " ", count: 10 - command.name.count)
                + command.summary.prefix(30)), "\(command.name)")
        }
        #expect(TapedeckCommand.help.contains("\n  serve     run the proxy"))
        #expect(TapedeckCommand.help.contains("  -V, --version     print the version (tapedeck \(ProxyEngine.version)) and exit"))
        #expect(TapedeckCommand.help.contains("AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:8787"))
        #expect(TapedeckCommand.help.contains("\nExit status:\n  0 success; 1 failure"))
    }

    @Test func serveHelpExplainsTheOtherSettingSources() {
        #expect(TapedeckCommand.serveHelp.hasPrefix("Usage: tapedeck serve [options]\n"))
        #expect(TapedeckCommand.serveHelp.contains("\nSettings:\n  Each option can also be set, highest precedence first"))
        #expect(TapedeckCommand.serveHelp.contains("\n    tapedeck serve --port 9000 --ignore-field serviceTier --quiet\n"))
        #expect(TapedeckCommand.serveHelp.contains("\n    TAPEDECK_PORT=9000 TAPEDECK_IGNORE_FIELD=serviceTier,fallbacks\n"))
        #expect(TapedeckCommand.serveHelp.contains(#"{"port": 9000, "ignore-field": ["serviceTier"], "quiet": true}"#))
        #expect(TapedeckCommand.serveHelp.contains("else tapedeck.json in the\n  working directory if present"))
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
    }

    @Test(arguments: [["serve", "--help"], ["serve", "-h"], ["serve", "--port", "1", "--help"], ["help", "serve"], ["serve", "--bogus", "-h"]])
    func serveHelpExitsZero(_ arguments: [String]) async throws {
        let result = try await run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout == TapedeckCommand.serveHelp + "\n")
        #expect(result.stderr == "")
    }

    @Test(arguments: [["--version"], ["-V"]])
    func versionExitsZero(_ arguments: [String]) async throws {
        let result = try await run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout == "tapedeck \(ProxyEngine.version)\n")
        #expect(result.stderr == "")
        let parts = ProxyEngine.version.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }, "X.Y.Z")
    }

    @Test(arguments: [
        (["serve", "--bogus"], "tapedeck serve: unknown flag --bogus (see tapedeck serve --help)"),
        (["serve", "--upstrem", "http://h"], "tapedeck serve: unknown flag --upstrem; did you mean --upstream?"),
        (["serve", "-port", "9000"], "tapedeck serve: unknown flag -port; did you mean --port?"),
        (["serve", "--log-levle", "debug"], "tapedeck serve: unknown flag --log-levle; did you mean --log-level?"),
        (["serve", "--port", "70000"], #"tapedeck serve: --port must be a whole number from 0 to 65535, not "70000""#),
        (["serve", "--mode", "auto"], "tapedeck serve: --mode auto needs --upstream URL"),
        (["serve", "--store", "Cassettes"], #"tapedeck serve: --store must be json:DIR, sqlite:FILE or postgres://USER@HOST/DB, not "Cassettes""#),
        (["serve", "--log-format", "xml"], #"tapedeck serve: --log-format must be text or json, not "xml""#),
        (["nonsense"], #"tapedeck: unknown command "nonsense" (see tapedeck --help)"#),
        (["serv"], #"tapedeck: unknown command "serv"; did you mean "serve"?"#),
        (["lss"], #"tapedeck: unknown command "lss"; did you mean "ls"?"#),
        (["veryfi"], #"tapedeck: unknown command "veryfi"; did you mean "verify"?"#),
        (["help", "serv"], #"tapedeck: unknown command "serv"; did you mean "serve"?"#),
        (["--bogus"], "tapedeck: unknown flag --bogus (see tapedeck --help)"),
        (["--verison"], "tapedeck: unknown flag --verison; did you mean --version?"),
        (["-v"], "tapedeck: unknown flag -v (see tapedeck --help)"),
        (["--port", "9000"], "tapedeck: unknown flag --port; did you mean tapedeck serve --port?"),
        (["--upstrem=http://h"], "tapedeck: unknown flag --upstrem; did you mean tapedeck serve --upstream?"),
        (["ls", "--jsn"], "tapedeck ls: unknown flag --jsn; did you mean --json?"),
        (["prune", "--older", "1d"], "tapedeck prune: unknown flag --older; did you mean --older-than?"),
        (["export", "--too", "json:x"], "tapedeck export: unknown flag --too; did you mean --to?"),
        (["show", "-json", "ab12"], "tapedeck show: unknown flag -json; did you mean --json?"),
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
    @Test(arguments: ["ls", "show", "rm", "prune", "export", "import", "verify", "stats", "diff"])
    func eachHelpExitsZeroListingItsFlags(_ name: String) async throws {
        let command = try #require(TapedeckCommand.subcommands.first { $0.name == name })
        for arguments in [[name, "--bogus", "--help"], [name, "-h"], ["help", name]] {
            let result = try await onOwnThread { try TapedeckBinary.run(arguments) }
            #expect(result.status == 0)
            #expect(result.stderr == "")
            #expect(result.stdout == command.help + "\n")
        }
        #expect(command.usage.hasPrefix("tapedeck \(command.name)"))
        #expect(command.usage.hasSuffix("[--store STORE]"))
        #expect(command.help.hasPrefix("Usage: tapedeck \(command.name) "))
        #expect(command.help.contains("\n  --store STORE "))
        #expect(command.help.contains("(default: json:Cassettes)"))
    }
}
