import TapedeckSystem
import TapedeckStore
/// `tapedeck prune`: removes cassettes recorded too long ago, or not replayed for too long.
struct PruneCommand: Subcommand {
    static let name = "prune"
    static let usage = "tapedeck prune (--older-than AGE | --unused-for AGE) [--dry-run] [--namespace NAME] [--store STORE]"
    static let summary = "remove cassettes recorded or last replayed too long ago"
    static let details = """
        Removes every cassette recorded more than AGE ago (--older-than), or whose last replay, or recording
        when it was never replayed, is more than AGE ago (--unused-for). AGE is a whole number of days, hours,
        minutes or seconds: 30d, 12h, 90m, 45s. Looks in every namespace; --namespace NAME, or a --store
        ending in #NAME, in one (--namespace "" the shared one). Prints each key, with its namespace unless it
        is the shared one, and a total over all; --dry-run only prints.
        """
    static let specs = [
        FlagSpec("older-than", value: "AGE", help: "prune cassettes recorded more than AGE ago, e.g. 30d", default: "none"),
        FlagSpec("unused-for", value: "AGE", help: "prune cassettes not replayed (or, never replayed, recorded) for more than AGE", default: "none"),
        FlagSpec("dry-run", value: nil, help: "print what would be pruned, remove nothing", default: "off"),
        StoreScope.spec,
        StoreOption.spec,
    ]

    /// How long is too long, and whether it is measured from the recording or from the last use.
    struct Criterion: Sendable, Equatable {
        var span: TimeSpan
        /// Measure from the last hit (the recording when never hit) rather than from the recording.
        var byLastUse: Bool

        /// The time a cassette is judged by, and that time in words for the report.
        func moment(recordedAt: String, recorded: Int, hits: UsageCounts.Hits?) -> (time: Int, words: String) {
            guard byLastUse else { return (recorded, "recorded \(recordedAt)") }
            guard let hits else { return (recorded, "never hit, recorded \(recordedAt)") }
            return (hits.lastHitAt, "last hit \(Timestamp.format(seconds: hits.lastHitAt))")
        }

        /// `recorded more than 30d ago` or `unused for more than 30d`.
        var rule: String { byLastUse ? "unused for more than \(span)" : "recorded more than \(span) ago" }
    }

    let store: String
    let criterion: Criterion
    let dryRun: Bool
    let namespace: String?

    init(values: [String: [String]], operands: [String]) throws(UsageError) {
        if let operand = operands.first { throw UsageError("unexpected argument \"\(operand)\" (see tapedeck prune --help)") }
        switch (values["older-than"]?.last, values["unused-for"]?.last) {
        case (let age?, nil): criterion = Criterion(span: try TimeSpan.parse(age, flag: "older-than"), byLastUse: false)
        case (nil, let age?): criterion = Criterion(span: try TimeSpan.parse(age, flag: "unused-for"), byLastUse: true)
        case (.some, .some): throw UsageError("give either --older-than or --unused-for, not both")
        case (nil, nil): throw UsageError("needs --older-than AGE or --unused-for AGE, e.g. --older-than 30d")
        }
        dryRun = values["dry-run"] != nil
        namespace = values["namespace"]?.last
        store = try StoreOption.value(values)
    }

    /// A cassette that goes, with the time that condemned it in words.
    struct Victim {
        var view: StoreScope.View
        var entry: StoreEntry
        var recordedAt: String
        var why: String
    }

    func run() throws(CommandFailure) -> Int32 {
        let scope = try StoreScope.open(store, namespace: namespace)
        let now = Timestamp.nowSeconds()
        var victims: [Victim] = []
        var unreadable: [StoreScan.Unreadable] = []
        var total = 0
        var holding = 0
        for view in scope.views {
            let entries = try StoreOption.entries(of: view.store)
            let usage = try StoreOption.usage(of: view.store)
            total += entries.count
            if !entries.isEmpty { holding += 1 }
            var found: [Victim] = []
            var undated: [StoreScan.Unreadable] = []
            unreadable += StoreScan.each(entries, in: view.store) { entry, cassette in
                guard let recorded = Timestamp.parse(cassette.recordedAt) else {
                    undated.append(.init(entry: entry, reason: "recordedAt \"\(cassette.recordedAt)\" is not an RFC 3339 time"))
                    return
                }
                let (time, why) = criterion.moment(recordedAt: cassette.recordedAt, recorded: recorded, hits: usage.hits[entry.key])
                // A last-hit time from a hand-edited usage file can be anything; saturate rather than trap.
                if now.subtractingSaturated(time) > criterion.span.seconds {
                    found.append(Victim(view: view, entry: entry, recordedAt: cassette.recordedAt, why: why))
                }
            }
            unreadable += undated
            victims += found.sorted { ($0.recordedAt, $0.entry.key.hex) < ($1.recordedAt, $1.entry.key.hex) }
        }
        var pruned = 0
        var failed = false
        for victim in victims {
            if dryRun {
                Output.out("would prune \(victim.entry.key.hex)\(victim.view.suffix)  \(victim.why)\n")
                continue
            }
            do {
                try RmCommand.remove(victim.entry, from: victim.view.store)
                Output.out("pruned \(victim.entry.key.hex)\(victim.view.suffix)  \(victim.why)\n")
                pruned += 1
            } catch {
                Output.err("tapedeck prune: \(error.reason)\n")
                failed = true
            }
        }
        if dryRun {
            Output.out("would prune \(victims.count) of \(total) cassettes\(StoreScope.across(holding)) (\(criterion.rule)); nothing removed (--dry-run)\n")
        } else {
            Output.out("pruned \(pruned) of \(total) cassettes\(StoreScope.across(holding)) (\(criterion.rule))\n")
        }
        StoreScan.warn(unreadable, command: Self.name)
        return failed || !unreadable.isEmpty ? 1 : 0
    }
}
