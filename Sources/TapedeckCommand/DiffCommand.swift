import TapedeckBedrock
import TapedeckStore
/// `tapedeck diff`: what differs between the requests of two cassettes, in Converse terms.
struct DiffCommand: Subcommand {
    static let name = "diff"
    static let usage = "tapedeck diff KEY-PREFIX KEY-PREFIX [--store STORE]"
    static let summary = "say what differs between two recorded requests"
    static let details = """
        Compares the requests of the two cassettes the prefixes name, as a replay miss does with its nearest
        recording: model, system prompt, each message, tools and inference settings ("temperature 0.2 → 0.7",
        "message 3 text differs at character 120: …"). Prints "requests are the same" when nothing differs.
        Exit status 0 either way; 1 when a prefix matches no cassette, or several.
        """
    static let specs = [StoreOption.spec]

    let store: String
    let prefixes: [KeyPrefix]

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        guard operands.count == 2 else { throw UsageError("needs two KEY-PREFIXes (see tapedeck ls), not \(operands.count)") }
        prefixes = [try KeyPrefix(operands[0]), try KeyPrefix(operands[1])]
        store = try StoreOption.value(values)
    }

    func run() throws(CommandFailure) -> Int32 {
        let opened = try StoreOption.open(store)
        let entries = try StoreOption.entries(of: opened)
        var cassettes: [Cassette] = []
        for prefix in prefixes { cassettes.append(try StoreOption.cassette(prefix, in: opened, entries: entries).1) }
        let (first, second) = (cassettes[0], cassettes[1])
        let lines = RequestDiff.differences(from: first.keyedRequest, to: second.keyedRequest, limit: 50)
        Output.out("\(first.key.prefix) → \(second.key.prefix)\n")
        Output.out(lines.isEmpty ? "requests are the same\n" : lines.map { "  \($0)\n" }.joined())
        return 0
    }
}
