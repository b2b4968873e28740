/// Progress of a long copy on stderr, shown only when stderr is a terminal: one bar redrawn in place with `\r`
/// (`exporting [=====>    ] 512/1000`). Anywhere else (a pipe, a file, a CI log) it writes nothing, so a log holds
/// the command's summary and failures, not a line per step; the summary itself is the command's to print.
struct ProgressMeter {
    /// How many items there are.
    let total: Int
    /// What is happening, e.g. `exporting`.
    let label: String
    /// Whether the bar is shown at all: only on a terminal, where it can redraw itself.
    let shows: Bool
    /// Characters between the brackets.
    static let width = 30

    private var lastDrawn = ""
    private let write: (String) -> Void

    /// A meter for `total` items writing through `write`; it `shows` only when that is a terminal.
    init(total: Int, label: String, shows: Bool = Output.stderrIsTerminal, write: @escaping (String) -> Void = Output.err) {
        self.total = total
        self.label = label
        self.shows = shows
        self.write = write
    }

    /// Shows that `done` of `total` items are done; writes only when what is shown changes.
    mutating func show(_ done: Int) {
        guard shows, total > 0 else { return }
        let line = "\(label) \(Self.bar(done: done, total: total)) \(done)/\(total)"
        guard line != lastDrawn else { return }
        write("\r" + line)
        lastDrawn = line
    }

    /// Ends the bar's line, so what follows starts on a line of its own.
    mutating func finish() {
        if !lastDrawn.isEmpty { write("\n") }
        lastDrawn = ""
    }

    /// `[=====>    ]`: one `=` per done share of `width`, `>` at the front until the end.
    static func bar(done: Int, total: Int, width: Int = width) -> String {
        let filled = total > 0 ? min(width, max(0, done) * width / total) : width
        let body = filled == width
            ? String(repeating: "=", count: width)
            : String(repeating: "=", count: filled) + ">" + String(repeating: " ", count: width - filled - 1)
        return "[\(body)]"
    }
}
