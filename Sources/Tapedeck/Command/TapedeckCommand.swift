import Glibc

/// The `tapedeck` command line: picks the subcommand, prints help, and returns the exit status.
public enum TapedeckCommand {
    /// The top-level help text.
    public static let help = """
        tapedeck \(ProxyEngine.version): record and replay AWS Bedrock Converse calls

        Usage:
          tapedeck serve [flags]    run the proxy (see tapedeck serve --help)
          tapedeck --help           this text
          tapedeck --version        the version

        Cassette commands (each takes --store STORE, default json:Cassettes, and --help):
        \(subcommandList)

        Point a client at it by changing one URL:
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:8787

        serve flags:
        \(FlagParser.help(ServeOptions.specs))
        """

    /// The subcommands that work on a store, in the order the help lists them.
    static var subcommands: [any Subcommand.Type] {
        [
            LsCommand.self, ShowCommand.self, RmCommand.self, PruneCommand.self,
            ExportCommand.self, ImportCommand.self, VerifyCommand.self, StatsCommand.self, DiffCommand.self,
        ]
    }

    /// Each subcommand's usage line and, below it, what it does.
    static var subcommandList: String {
        subcommands.map { "  \($0.usage)\n      \($0.summary)" }.joined(separator: "\n")
    }

    /// The help text of `tapedeck serve`.
    public static let serveHelp = """
        Usage: tapedeck serve [flags]

        Answers POST [prefix]/model/{modelId}/converse from cassettes, forwarding misses to --upstream.
        Prefixes: none, /bedrock, /cursor, /litellm, /langchain, /pydanticai.

        Each flag can also be set, highest precedence first:
          on the command line          --port 9000 --ignore-field serviceTier --quiet
          in the environment           TAPEDECK_PORT=9000 TAPEDECK_IGNORE_FIELD=serviceTier,fallbacks TAPEDECK_QUIET=1
          in a JSON settings file      {"port": 9000, "ignore-field": ["serviceTier"], "quiet": true}
        The file is --config FILE (or TAPEDECK_CONFIG), else tapedeck.json in the working directory if present.
        Switches are 1, true, 0 or false in the environment and true or false in the file. A value on a higher
        level replaces the lower one's, repeatable flags included; unknown variables and keys are refused.

        Flags:
        \(FlagParser.help(ServeOptions.specs))
        """

    /// Runs the command line `arguments` (without the program name) and returns the exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        // Every command writes files; one over the size limit is an error to report, not a reason to die.
        Signals.ignoreSIGXFSZ()
        guard let command = arguments.first else {
            writeStderr(help + "\n")
            return UsageError.exitStatus
        }
        switch command {
        case "--help", "-h", "help":
            writeStdout(help + "\n")
            return 0
        case "--version":
            writeStdout("tapedeck \(ProxyEngine.version)\n")
            return 0
        case "serve":
            let rest = Array(arguments.dropFirst())
            if rest.contains("--help") || rest.contains("-h") {
                writeStdout(serveHelp + "\n")
                return 0
            }
            do {
                let options = try ServeOptions.parse(rest)
                return ServeCommand(options: options).run()
            } catch {
                writeStderr("tapedeck serve: \(error)\n")
                return UsageError.exitStatus
            }
        case let name where subcommands.contains { $0.name == name }:
            let type = subcommands.first { $0.name == name }
            return type.map { $0.main(Array(arguments.dropFirst())) } ?? UsageError.exitStatus
        default:
            writeStderr("tapedeck: unknown command \"\(command)\" (see tapedeck --help)\n")
            return UsageError.exitStatus
        }
    }

    static func writeStdout(_ text: String) { Output.out(text) }
    static func writeStderr(_ text: String) { Output.err(text) }
}
