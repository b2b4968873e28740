/// Progress of a long copy on stderr: on a terminal one bar redrawn in place with `\r`
/// (`exporting [=====>    ] 512/1000`), otherwise a plain line each time another tenth is done.
struct ProgressMeter {
    /// How many items there are.
    let total: Int
    /// What is happening, e.g. `exporting`.
    let label: String
    /// Whether to redraw a bar in place rather than write lines.
    let redraws: Bool
    /// Characters between the brackets.
    static let width = 30

    private var lastDrawn = ""
    private var lastTenth = 0
    private let write: (String) -> Void

    /// A meter for `total` items writing through `write`; `redraws` when that is a terminal.
    init(total: Int, label: String, redraws: Bool = Output.stderrIsTerminal, write: @escaping (String) -> Void = Output.err) {
        self.total = total
        self.label = label
        self.redraws = redraws
        self.write = write
    }

    /// Shows that `done` of `total` items are done; writes only when what is shown changes.
    mutating func show(_ done: Int) {
        guard total > 0 else { return }
        if redraws {
            let line = "\(label) \(Self.bar(done: done, total: total)) \(done)/\(total)"
            guard line != lastDrawn else { return }
            write("\r" + line)
            lastDrawn = line
        } else {
            let tenth = done * 10 / total
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            write("\(label) \(done)/\(total)\n")
        }
    }

    /// Ends the bar's line, so what follows starts on a line of its own.
    mutating func finish() {
        if redraws && !lastDrawn.isEmpty { write("\n") }
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
