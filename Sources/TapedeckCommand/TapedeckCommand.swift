import TapedeckSystem
import TapedeckProxy
/// The `tapedeck` command line: picks the subcommand, prints help, and returns the exit status.
///
/// Exit status: 0 when the command did its job, 1 when it failed (or, for `ls` and `verify`, found problems),
/// 2 when the command line cannot be run; usage errors print one line on stderr naming the nearest valid word.
public enum TapedeckCommand {
    /// The top-level help text.
    public static let help = HelpText.page(
        usage: "tapedeck <command> [options]",
        description: """
            Records AWS Bedrock Converse calls once and replays them: point a client's AWS_ENDPOINT_URL_BEDROCK_RUNTIME
            at tapedeck serve and the requests it has seen are answered from cassettes, while the others go to
            --upstream and are recorded. The other commands list, inspect, check and maintain the cassettes of a store
            (--store STORE, default json:Cassettes).
            """,
        leading: [
            ("Commands", HelpText.table([("serve", "run the proxy: replay cassettes, forward and record misses")]
                + subcommands.map { ($0.name, $0.summary) }, column: 12)),
        ],
        options: HelpText.table([
            HelpText.helpOption, ("-V, --version", "print the version (tapedeck \(ProxyEngine.version)) and exit"),
        ], column: 20),
        sections: [
            ("Example", """
                  tapedeck serve --upstream https://bedrock-runtime.us-east-1.amazonaws.com
                  AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:8787 python app.py
                """),
            ("Exit status", HelpText.wrap(
                "0 success; 1 failure, or problems found (ls, verify); 2 usage error. Run tapedeck <command> --help for a command's usage and options.",
                indent: 2)),
        ])

    /// The subcommands that work on a store, in the order the help lists them.
    static var subcommands: [any Subcommand.Type] {
        [
            LsCommand.self, ShowCommand.self, RmCommand.self, PruneCommand.self,
            ExportCommand.self, ImportCommand.self, VerifyCommand.self, StatsCommand.self, DiffCommand.self,
        ]
    }

    /// Every command word, `serve` first.
    static var commandNames: [String] { ["serve"] + subcommands.map { $0.name } }

    /// The help text of `tapedeck serve`.
    public static let serveHelp = HelpText.page(
        usage: "tapedeck serve [options]",
        description: """
            Answers Bedrock Runtime's Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream,
            CountTokens and ApplyGuardrail (under the prefixes none, /bedrock, /cursor, /litellm, /langchain,
            /pydanticai) from the cassettes of --store; with --upstream, a request without a cassette is forwarded
            and its answer recorded, and every other route (async invocations, guardrail checks) is passed through
            unrecorded. Logs one line per request and per start-up, warning or error event on stderr.
            """,
        options: HelpText.options(ServeOptions.specs),
        sections: [
            ("Settings", HelpText.wrap(
                "Each option can also be set, highest precedence first, on the command line, in the environment and in a JSON settings file:",
                indent: 2) + """

                    tapedeck serve --port 9000 --ignore-field serviceTier --quiet
                    TAPEDECK_PORT=9000 TAPEDECK_IGNORE_FIELD=serviceTier,fallbacks
                    {"port": 9000, "ignore-field": ["serviceTier"], "quiet": true}


                """ + HelpText.wrap("""
                    The file is --config FILE (or TAPEDECK_CONFIG), else tapedeck.json in the working directory if
                    present. Switches are 1, true, 0 or false in the environment and true or false in the file; a
                    repeatable flag is a comma-separated list in the environment and an array in the file. A value
                    on a higher level replaces the lower one's, repeatable flags included; an unknown key is refused,
                    an unknown TAPEDECK_ variable is warned about and ignored.
                    """, indent: 2)),
            ("Exit status", HelpText.wrap(
                "0 after SIGINT or SIGTERM and a clean shutdown; 1 when the store cannot be opened or the address cannot be bound; 2 usage error.",
                indent: 2)),
        ])

    /// Runs the command line `arguments` (without the program name) and returns the exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        // Every command writes files; one over the size limit is an error to report, not a reason to die.
        Signals.ignoreSIGXFSZ()
        guard let command = arguments.first else {
            Output.err(help + "\n")
            return UsageError.exitStatus
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "--help", "-h":
            Output.out(help + "\n")
            return 0
        case "help":
            // `tapedeck help ls` is `tapedeck ls --help`.
            guard let topic = rest.first else {
                Output.out(help + "\n")
                return 0
            }
            return main([topic, "--help"])
        case "--version", "-V":
            Output.out("tapedeck \(ProxyEngine.version)\n")
            return 0
        case "serve":
            if rest.contains("--help") || rest.contains("-h") {
                Output.out(serveHelp + "\n")
                return 0
            }
            do {
                let options = try ServeOptions.parse(rest)
                return ServeCommand(options: options).run()
            } catch {
                Output.err("tapedeck serve: \(error)\n")
                return UsageError.exitStatus
            }
        default:
            if let type = subcommands.first(where: { $0.name == command }) {
                for unknown in ConfigEnvironment.unknown(ProcessEnvironment.current) {
                    Output.err("tapedeck \(command): warning: \(unknown.message)\n")
                }
                return type.main(rest)
            }
            Output.err("tapedeck: \(unknown(command))\n")
            return UsageError.exitStatus
        }
    }

    /// Why `word` is not a command or top-level flag, naming the nearest valid one when it is close.
    static func unknown(_ word: String) -> UsageError {
        guard word.hasPrefix("-") else {
            if let nearest = NearestName.nearest(to: word, in: commandNames) {
                return UsageError("unknown command \"\(word)\"; did you mean \"\(nearest)\"?")
            }
            return UsageError("unknown command \"\(word)\" (see tapedeck --help)")
        }
        let given = word.prefix { $0 != "=" }
        let name = String(given.drop { $0 == "-" })
        if let nearest = NearestName.nearest(to: name, in: ["help", "version"]) {
            return UsageError("unknown flag \(given); did you mean --\(nearest)?")
        }
        // `tapedeck --port 9000`: a serve flag given without the command.
        let serveFlags = ServeOptions.specs.map(\.name)
        if let flag = serveFlags.contains(name) ? name : NearestName.nearest(to: name, in: serveFlags) {
            return UsageError("unknown flag \(given); did you mean tapedeck serve --\(flag)?")
        }
        return UsageError("unknown flag \(given) (see tapedeck --help)")
    }
}
