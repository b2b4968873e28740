/// Plain-text columns for a terminal: a header row, then rows, each column padded to its widest cell.
struct TextTable: Sendable {
    /// Which side of its column a cell sits on.
    enum Alignment: Sendable {
        case left
        case right
    }

    /// One column: its header and alignment.
    struct Column: Sendable {
        var header: String
        var alignment: Alignment

        /// Creates a column; numbers read best aligned right.
        init(_ header: String, _ alignment: Alignment = .left) {
            self.header = header
            self.alignment = alignment
        }
    }

    let columns: [Column]
    private(set) var rows: [[String]] = []

    /// Spaces between two columns.
    static let gap = 2

    /// Creates an empty table with these columns.
    init(_ columns: [Column]) { self.columns = columns }

    /// Adds a row; it must have a cell per column.
    mutating func add(_ cells: [String]) {
        precondition(cells.count == columns.count, "a row needs \(columns.count) cells, not \(cells.count)")
        rows.append(cells)
    }

    /// The table as lines, each ending in a newline, with no trailing spaces.
    var text: String {
        let all = [columns.map(\.header)] + rows
        let widths = columns.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for row in all {
            var line = ""
            for (column, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                if column > 0 { line += String(repeating: " ", count: Self.gap) }
                line += columns[column].alignment == .left ? cell + pad : pad + cell
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
