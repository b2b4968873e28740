/// A `tapedeck` subcommand that works on a store: its usage line, its flags, how it parses them and how it runs.
///
/// `TapedeckCommand` prints `help` for `--help`, turns a `UsageError` from `init` into exit status 2 and a
/// `CommandFailure` from `run` into its status, each with one line on stderr prefixed by `tapedeck <name>:`.
protocol Subcommand {
    /// The word after `tapedeck`, e.g. `ls`.
    static var name: String { get }
    /// The usage line without `Usage: `, e.g. `tapedeck ls [--model M] [--json] [--store STORE]`.
    static var usage: String { get }
    /// What it does, in a few words, for the top-level help.
    static var summary: String { get }
    /// What it does, in one paragraph (reflowed to the help's width), for its own help.
    static var details: String { get }
    /// Every flag it accepts; the help text and the parser both come from this list.
    static var specs: [FlagSpec] { get }

    /// Checks the flag values and operands.
    init(values: [String: [String]], operands: [String]) throws(UsageError)

    /// Does the work, writing through `Output`; returns the exit status (0, or 1 for findings).
    func run() throws(CommandFailure) -> Int32
}

extension Subcommand {
    /// The `--help` text.
    static var help: String {
        HelpText.page(usage: usage, description: details, options: HelpText.options(specs))
    }

    /// Parses `arguments` (without the command word) and runs; returns the exit status.
    static func main(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            Output.out(help + "\n")
            return 0
        }
        let command: Self
        do {
            let parsed = try FlagParser.parseWithOperands(arguments, specs: specs, command: name)
            command = try Self(values: parsed.values, operands: parsed.operands)
        } catch {
            Output.err("tapedeck \(name): \(error)\n")
            return UsageError.exitStatus
        }
        do {
            return try command.run()
        } catch {
            Output.err("tapedeck \(name): \(error)\n")
            return error.status
        }
    }
}
