import TapedeckBedrock
import TapedeckStore
/// `tapedeck diff`: what differs between the requests of two cassettes, in Converse terms.
struct DiffCommand: Subcommand {
    static let name = "diff"
    static let usage = "tapedeck diff KEY-PREFIX KEY-PREFIX [--namespace NAME] [--store STORE]"
    static let summary = "say what differs between two recorded requests"
    static let details = """
        Compares the requests of the two cassettes the prefixes name, as a replay miss does with its nearest
        recording: model, system prompt, each message, tools and inference settings ("temperature 0.2 → 0.7",
        "message 3 text differs at character 120: …"). Prints "requests are the same" when nothing differs.
        The cassettes may be in any namespace (two tests' recordings of one question have the same key: a prefix
        may name it as NAMESPACE/KEY-PREFIX, "/KEY-PREFIX" for the shared namespace); --namespace NAME, or a
        --store ending in #NAME, looks in one namespace only. Exit status 0 either way; 1 when a prefix matches no
        cassette, or several.
        """
    static let specs = [StoreScope.spec, StoreOption.spec]

    let store: String
    let prefixes: [KeyPrefix]
    /// The namespace each prefix names with `NAMESPACE/`, or nil.
    let prefixNamespaces: [String?]
    let namespace: String?

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        guard operands.count == 2 else { throw UsageError("needs two KEY-PREFIXes (see tapedeck ls), not \(operands.count)") }
        var prefixes: [KeyPrefix] = []
        var named: [String?] = []
        for operand in operands {
            let (space, prefix) = try Self.split(operand)
            prefixes.append(try KeyPrefix(prefix))
            named.append(space)
        }
        self.prefixes = prefixes
        prefixNamespaces = named
        store = try StoreOption.value(values)
        namespace = values["namespace"]?.last
    }

    /// `NAMESPACE/KEY-PREFIX` split at its `/` (the namespace checked), or a plain prefix.
    static func split(_ operand: String) throws(UsageError) -> (String?, String) {
        guard let slash = operand.lastIndex(of: "/") else { return (nil, operand) }
        let space = String(operand[..<slash])
        if !space.isEmpty, case .failure(let error) = Namespace.validate(space) {
            throw UsageError("\(operand): namespace \"\(space)\" is refused: \(error)")
        }
        return (space, String(operand[operand.index(after: slash)...]))
    }

    func run() throws(CommandFailure) -> Int32 {
        let scope = try StoreScope.open(store, namespace: namespace)
        let entries = try scope.entries()
        var found: [(StoreScope.Entry, Cassette)] = []
        for (prefix, space) in zip(prefixes, prefixNamespaces) {
            let candidates = space.map { space in entries.filter { $0.view.name == space } } ?? entries
            found.append(try scope.cassette(prefix, in: candidates))
        }
        let (first, second) = (found[0].1, found[1].1)
        let lines = RequestDiff.differences(from: first.keyedRequest, to: second.keyedRequest, limit: 50)
        Output.out("\(Self.name(found[0].0, first)) → \(Self.name(found[1].0, second))\n")
        Output.out(lines.isEmpty ? "requests are the same\n" : lines.map { "  \($0)\n" }.joined())
        return 0
    }

    /// A cassette as the first line names it: its key prefix, after `NAMESPACE/` when it is not in the shared one.
    private static func name(_ entry: StoreScope.Entry, _ cassette: Cassette) -> String {
        entry.view.name.isEmpty ? cassette.key.prefix : "\(entry.view.name)/\(cassette.key.prefix)"
    }
}
