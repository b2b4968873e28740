import TapedeckCodec
import TapedeckProxy
/// `tapedeck show`: one cassette's conversation as a person reads it, or its file form with `--json`.
struct ShowCommand: Subcommand {
    static let name = "show"
    static let usage = "tapedeck show KEY-PREFIX [--json] [--store STORE]"
    static let summary = "print one cassette's conversation and answer"
    static let details = """
        Prints the cassette whose key starts with KEY-PREFIX: model, operation and recording time, the system
        prompt, each turn with its text, tool calls, tool results and attachments, then the answer (a recorded
        stream is folded into one), its stop reason and token usage. --json prints the cassette as its file
        holds it. A prefix that matches no cassette, or several, exits 1 and lists the matches.
        """
    static let specs = [
        FlagSpec("json", value: nil, help: "print the cassette in its file form", default: "off"),
        StoreOption.spec,
    ]

    let store: String
    let prefix: KeyPrefix
    let json: Bool

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        guard operands.count == 1 else {
            throw UsageError(operands.isEmpty
                ? "needs a KEY-PREFIX (see tapedeck ls)"
                : "takes one KEY-PREFIX, not \(operands.count) (see tapedeck show --help)")
        }
        prefix = try KeyPrefix(operands[0])
        store = try StoreOption.value(values)
        json = values["json"] != nil
    }

    func run() throws(CommandFailure) -> Int32 {
        let opened = try StoreOption.open(store)
        let (entry, cassette) = try StoreOption.cassette(prefix, in: opened, entries: StoreOption.entries(of: opened))
        if json {
            Output.out(bytes: JSONWriter.pretty(cassette.jsonValue))
            return 0
        }
        let (text, problem) = ConversationText.render(cassette)
        Output.out(text)
        guard let problem else { return 0 }
        Output.err("tapedeck show: \(entry.location): \(problem)\n")
        return 1
    }
}
