/// `tapedeck verify`: reads every cassette and checks it is filed under the key its request gives.
struct VerifyCommand: Subcommand {
    static let name = "verify"
    static let usage = "tapedeck verify [--ignore-field PATH]... [--rekey] [--store STORE]"
    static let summary = "check every cassette reads and sits under its request's key; --rekey fixes keys"
    static let details = """
        Reads every cassette and derives its key from its model and request as serve would with the same
        --ignore-field flags. Reports cassettes that cannot be read (corrupt), cassettes filed under another
        key (wrong key), and cassettes whose requests give the same key (duplicate), then a summary; any
        finding makes the exit status 1. --rekey then saves each wrong-keyed cassette under its request's key
        and removes the old one, keeping the latest recording of duplicates, and exits 0 once all is right;
        corrupt cassettes are left alone and still make the exit status 1.
        """
    static let specs = [
        FlagSpec("ignore-field", value: "PATH", help: "dotted body path left out of the key, as given to serve; repeatable", default: "none; requestMetadata is always left out", repeatable: true),
        FlagSpec("rekey", value: nil, help: "move wrong-keyed cassettes to their request's key and drop older duplicates", default: "off"),
        StoreOption.spec,
    ]

    let store: String
    let ignoreFields: [String]
    let rekey: Bool

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
        store = try StoreOption.value(values)
    }

    func run() throws(CommandFailure) -> Int32 {
        let opened = try StoreOption.open(store)
        let audit = try StoreAudit.run(opened, ignoring: ignoreFields)
        for line in audit.findings { Output.out(line + "\n") }
        Output.out(audit.summary + "\n")
        guard rekey else { return audit.isClean ? 0 : 1 }
        let outcome = audit.rekey(opened)
        for line in outcome.lines { Output.out(line + "\n") }
        for failure in outcome.failures { Output.err("tapedeck verify: \(failure)\n") }
        let corrupt = audit.corrupt.isEmpty ? "" : "; \(audit.corrupt.count) corrupt left as they are"
        let rekeyed = outcome.rekeyed == 1 ? "1 cassette" : "\(outcome.rekeyed) cassettes"
        let removed = outcome.removedDuplicates == 1 ? "1 duplicate" : "\(outcome.removedDuplicates) duplicates"
        Output.out("rekeyed \(rekeyed), removed \(removed)\(corrupt)\n")
        return audit.corrupt.isEmpty && outcome.failures.isEmpty ? 0 : 1
    }
}
