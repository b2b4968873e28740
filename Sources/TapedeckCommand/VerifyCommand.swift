/// `tapedeck verify`: reads every cassette and checks it is filed under the key its request gives.
struct VerifyCommand: Subcommand {
    static let name = "verify"
    static let usage = "tapedeck verify [--ignore-field PATH]... [--rekey] [--namespace NAME] [--store STORE]"
    static let summary = "check every cassette reads and sits under its request's key; --rekey fixes keys"
    static let details = """
        Reads every cassette and derives its key from its model and request as serve would with the same
        --ignore-field flags. Reports cassettes that cannot be read (corrupt), cassettes filed under another
        key (wrong key), and cassettes whose requests give the same key (duplicate), then a summary; any
        finding makes the exit status 1. --rekey then saves each wrong-keyed cassette under its request's key
        and removes the old one, keeping the latest recording of duplicates, and exits 0 once all is right;
        corrupt cassettes are left alone and still make the exit status 1. Every namespace is checked, each on
        its own (a key is a duplicate only within its namespace), and the summary counts them all; --namespace
        NAME, or a --store ending in #NAME, checks one (--namespace "" the shared one).
        """
    static let specs = [
        FlagSpec("ignore-field", value: "PATH", help: "dotted body path left out of the key, as given to serve; repeatable", default: "none; requestMetadata is always left out", repeatable: true),
        FlagSpec("rekey", value: nil, help: "move wrong-keyed cassettes to their request's key and drop older duplicates", default: "off"),
        StoreScope.spec,
        StoreOption.spec,
    ]

    let store: String
    let ignoreFields: [String]
    let rekey: Bool
    let namespace: String?

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        if let operand = operands.first { throw UsageError("unexpected argument \"\(operand)\" (see tapedeck verify --help)") }
        var fields: [String] = []
        for path in values["ignore-field"] ?? [] {
            guard !path.isEmpty, !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                throw UsageError("--ignore-field must be a dotted path such as serviceTier or inferenceConfig.topP, not \"\(path)\"")
            }
            fields.append(path)
        }
        ignoreFields = fields
        rekey = values["rekey"] != nil
        namespace = values["namespace"]?.last
        store = try StoreOption.value(values)
    }

    func run() throws(CommandFailure) -> Int32 {
        let scope = try StoreScope.open(store, namespace: namespace)
        var audits: [(view: StoreScope.View, audit: StoreAudit)] = []
        for view in scope.views { audits.append((view, try StoreAudit.run(view.store, ignoring: ignoreFields))) }
        for (_, audit) in audits {
            for line in audit.findings { Output.out(line + "\n") }
        }
        Output.out(StoreAudit.summary(of: audits.map(\.audit)) + "\n")
        let corrupt = audits.reduce(0) { $0 + $1.audit.corrupt.count }
        guard rekey else { return audits.allSatisfy(\.audit.isClean) ? 0 : 1 }
        var (rekeyedCount, removedCount, failed) = (0, 0, false)
        for (view, audit) in audits {
            let outcome = audit.rekey(view.store)
            for line in outcome.lines { Output.out(line + view.suffix + "\n") }
            for failure in outcome.failures { Output.err("tapedeck verify: \(failure)\n") }
            rekeyedCount += outcome.rekeyed
            removedCount += outcome.removedDuplicates
            failed = failed || !outcome.failures.isEmpty
        }
        let left = corrupt == 0 ? "" : "; \(corrupt) corrupt left as they are"
        let rekeyed = rekeyedCount == 1 ? "1 cassette" : "\(rekeyedCount) cassettes"
        let removed = removedCount == 1 ? "1 duplicate" : "\(removedCount) duplicates"
        Output.out("rekeyed \(rekeyed), removed \(removed)\(left)\n")
        return corrupt == 0 && !failed ? 0 : 1
    }
}
