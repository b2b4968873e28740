/// The layout of every `--help`: a `Usage:` line, one paragraph saying what the command does, `Options:` with each
/// flag, its value and its default, then any further sections; wrapped to 80 columns.
enum HelpText {
    /// Columns a help line may use.
    static let width = 80
    /// Where option descriptions start; a longer flag puts its description on the next line.
    static let descriptionColumn = 30

    /// The `-h, --help` line every command lists last.
    static let helpOption = ("-h, --help", "print this help and exit")

    /// A whole help page; `description` is one paragraph (its line breaks are reflowed), each section a titled
    /// block, `leading` ones before the options (a command list) and `sections` after them.
    static func page(
        usage: String, description: String, leading: [(title: String, body: String)] = [], options: String,
        sections: [(title: String, body: String)] = []
    ) -> String {
        // A long usage line continues under the command, as man pages' synopses do.
        var text = "\(wrap(words: ["Usage:"] + groups(usage), indent: 7, firstIndent: 0))\n\n\(wrap(description))"
        for section in leading + [("Options", options)] + sections { text += "\n\n\(section.title):\n\(section.body)" }
        return text
    }

    /// Every flag in `specs` as `  --name VALUE   what it does (default: …)`, then `extra` lines such as `-h, --help`.
    static func options(_ specs: [FlagSpec], extra: [(String, String)] = [helpOption]) -> String {
        let rows = specs.map { spec in
            ("--\(spec.name)" + (spec.value.map { " \($0)" } ?? ""), "\(spec.help) (default: \(spec.defaultText))")
        }
        return table(rows + extra)
    }

    /// Two columns: a name indented by two, and its description wrapped at `column`.
    static func table(_ rows: [(String, String)], column: Int = descriptionColumn) -> String {
        let indent = String(repeating: " ", count: column)
        return rows.map { name, description in
            let left = "  " + name
            let body = wrap(description, indent: column)
            if left.count + 2 <= column {
                return left + String(repeating: " ", count: column - left.count) + body.dropFirst(column)
            }
            return left + "\n" + (body.hasPrefix(indent) ? body : indent + body)
        }.joined(separator: "\n")
    }

    /// `paragraph` reflowed into lines of at most `width` columns, the first starting with `firstIndent` spaces
    /// (default `indent`) and the others with `indent`; a word longer than a line gets a line of its own.
    static func wrap(_ paragraph: String, indent: Int = 0, firstIndent: Int? = nil) -> String {
        wrap(words: paragraph.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init), indent: indent, firstIndent: firstIndent)
    }

    /// A usage line's words, keeping each bracketed or parenthesised group (`[--store STORE]`) whole.
    static func groups(_ usage: String) -> [String] {
        var words: [String] = []
        var word = ""
        var depth = 0
        for character in usage {
            if character == " " && depth == 0 {
                if !word.isEmpty { words.append(word) }
                word = ""
                continue
            }
            if character == "[" || character == "(" { depth += 1 }
            if character == "]" || character == ")" { depth = max(0, depth - 1) }
            word.append(character)
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// `words` joined by spaces into lines as `wrap(_:indent:firstIndent:)` makes them.
    static func wrap(words: [String], indent: Int = 0, firstIndent: Int? = nil) -> String {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in words {
            if line.isEmpty {
                line = (lines.isEmpty ? String(repeating: " ", count: firstIndent ?? indent) : margin) + word
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = margin + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
