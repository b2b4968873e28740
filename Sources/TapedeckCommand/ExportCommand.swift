/// `tapedeck export`: copies every cassette of `--store` into another store, with its usage counts.
struct ExportCommand: Subcommand {
    static let name = "export"
    static let usage = "tapedeck export --to STORE [--namespace NAME] [--store STORE]"
    static let summary = "copy every cassette and its usage counts into another store"
    static let details = """
        Copies every cassette of --store into the store --to names (created when missing), each namespace into
        the namespace of the same name, skipping cassettes it already holds unchanged, and merges the usage
        counts so it holds at least this store's hits and misses: exporting twice changes nothing. A --store
        ending in #NAME, or --namespace NAME, copies that namespace only (--namespace "" the shared one), into
        the same namespace of --to, or into OTHER when --to ends in #OTHER. Progress goes to stderr (a bar on a terminal); the last line
        says how many cassettes were written, across all namespaces. A cassette that cannot be copied is reported and makes the
        exit status 1.
        """
    static let specs = [
        FlagSpec("to", value: "STORE", help: "the store to copy into, e.g. json:backup", default: "none: required"),
        StoreScope.spec,
        StoreOption.spec,
    ]

    let store: String
    let destination: String
    let namespace: String?

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        if let operand = operands.first { throw UsageError("unexpected argument \"\(operand)\" (see tapedeck export --help)") }
        guard values["to"] != nil else { throw UsageError("needs --to STORE, the store to copy into") }
        destination = try StoreOption.value(values, flag: "to")
        store = try StoreOption.value(values)
        namespace = values["namespace"]?.last
    }

    func run() throws(CommandFailure) -> Int32 {
        let plan = try StoreCopier.plan(source: store, sourceFlag: "store", namespace: namespace, destination: destination, destinationFlag: "to")
        let outcome = try StoreCopier(routes: plan.routes, label: "exporting").copy()
        let across = StoreScope.across(outcome.namespaces)
        return Self.report(outcome, "exported \(outcome.copied) cassettes\(across) to \(plan.destination)", command: Self.name)
    }

    /// Prints each failure on stderr and the summary on stdout; 1 when anything failed.
    static func report(_ outcome: StoreCopier.Outcome, _ summary: String, command: String) -> Int32 {
        for failure in outcome.failures { Output.err("tapedeck \(command): \(failure)\n") }
        let skipped = outcome.alreadyThere > 0 ? "; \(outcome.alreadyThere) already there" : ""
        Output.out("\(summary)\(skipped)\n")
        return outcome.failures.isEmpty ? 0 : 1
    }
}
