import TapedeckCodec
import TapedeckProxy
/// `tapedeck show`: one cassette's conversation as a person reads it, or its file form with `--json`.
struct ShowCommand: Subcommand {
    static let name = "show"
    static let usage = "tapedeck show KEY-PREFIX [--namespace NAME] [--json] [--store STORE]"
    static let summary = "print one cassette's conversation and answer"
    static let details = """
        Prints the cassette whose key starts with KEY-PREFIX, in whichever namespace it is: model, operation and recording time, the system
        prompt, each turn with its text, tool calls, tool results and attachments, then the answer (a recorded
        stream is folded into one), its stop reason and token usage. --json prints the cassette as its file
        holds it. A prefix that matches no cassette, or several (the same key in two namespaces too), exits 1
        and lists the matches with their namespaces; --namespace NAME, or a --store ending in #NAME, looks in
        one namespace only (--namespace "" the shared one).
        """
    static let specs = [
        StoreScope.spec,
        FlagSpec("json", value: nil, help: "print the cassette in its file form", default: "off"),
        StoreOption.spec,
    ]

    let store: String
    let prefix: KeyPrefix
    let namespace: String?
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
        namespace = values["namespace"]?.last
    }

    func run() throws(CommandFailure) -> Int32 {
        let scope = try StoreScope.open(store, namespace: namespace)
        let (found, cassette) = try scope.cassette(prefix, in: scope.entries())
        if json {
            Output.out(bytes: JSONWriter.pretty(cassette.jsonValue))
            return 0
        }
        let (text, problem) = ConversationText.render(cassette)
        Output.out(Self.naming(found.view.name, in: text))
        guard let problem else { return 0 }
        Output.err("tapedeck show: \(found.entry.location): \(problem)\n")
        return 1
    }

    /// `text` with a `namespace: NAME` line after its first (`key: …`) line; unchanged for the shared namespace.
    static func naming(_ namespace: String, in text: String) -> String {
        guard !namespace.isEmpty, let newline = text.firstIndex(of: "\n") else { return text }
        let rest = text.index(after: newline)
        return String(text[..<rest]) + "namespace: \(namespace)\n" + String(text[rest...])
    }
}
