/// `tapedeck import`: copies every cassette of another store into `--store`, with its usage counts.
struct ImportCommand: Subcommand {
    static let name = "import"
    static let usage = "tapedeck import --from STORE [--store STORE]"
    static let summary = "copy every cassette and its usage counts from another store"
    static let details = """
        Copies every cassette of the store --from names into --store, each namespace into the namespace of the
        same name, skipping cassettes --store already holds unchanged, and merges the usage counts so --store
        holds at least the other store's hits and misses: importing twice changes nothing. A --from ending in
        #NAME copies that namespace only, into the same namespace of --store, or into OTHER when --store ends
        in #OTHER. Progress goes to stderr (a bar on a terminal); the last line
        says how many cassettes were written, across all namespaces. A cassette that cannot be copied is reported and makes the
        exit status 1.
        """
    static let specs = [
        FlagSpec("from", value: "STORE", help: "the store to copy from, e.g. json:backup", default: "none: required"),
        StoreOption.spec,
    ]

    let store: String
    let origin: String

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        if let operand = operands.first { throw UsageError("unexpected argument \"\(operand)\" (see tapedeck import --help)") }
        guard values["from"] != nil else { throw UsageError("needs --from STORE, the store to copy from") }
        origin = try StoreOption.value(values, flag: "from")
        store = try StoreOption.value(values)
    }

    func run() throws(CommandFailure) -> Int32 {
        let plan = try StoreCopier.plan(source: origin, sourceFlag: "from", namespace: nil, destination: store, destinationFlag: "store")
        let outcome = try StoreCopier(routes: plan.routes, label: "importing").copy()
        let across = StoreScope.across(outcome.namespaces)
        return ExportCommand.report(outcome, "imported \(outcome.copied) cassettes\(across) from \(plan.source)", command: Self.name)
    }
}
