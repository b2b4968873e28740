/// Where two texts first differ, with a short quoted snippet of each side around that point.
///
/// Characters are Swift `Character`s (what a person counts), compared by exact Unicode scalars so
/// that `é` and `e\u{301}` differ as they do in the cache key. Positions are 1-based.
struct TextDifference: Sendable, Equatable {
    /// Characters of context shown before the first difference.
    static let contextBefore = 8
    /// Characters shown from the first difference on.
    static let contextAfter = 12

    /// 1-based position of the first character that differs (one past the end of the shorter text
    /// when one text is a prefix of the other).
    let character: Int
    /// The recorded side around the difference, escaped, with `…` where it was cut.
    let recordedSnippet: String
    /// The asked side around the difference, escaped, with `…` where it was cut.
    let askedSnippet: String

    /// The first difference between `recorded` and `asked`, or nil when they are identical.
    init?(recorded: String, asked: String) {
        var recordedIndex = recorded.startIndex
        var askedIndex = asked.startIndex
        var offset = 0
        while recordedIndex < recorded.endIndex, askedIndex < asked.endIndex {
            let recordedNext = recorded.index(after: recordedIndex)
            let askedNext = asked.index(after: askedIndex)
            let same = recorded.unicodeScalars[recordedIndex..<recordedNext]
                .elementsEqual(asked.unicodeScalars[askedIndex..<askedNext])
            if !same { break }
            recordedIndex = recordedNext
            askedIndex = askedNext
            offset += 1
        }
        if recordedIndex == recorded.endIndex, askedIndex == asked.endIndex { return nil }
        character = offset + 1
        recordedSnippet = Self.snippet(of: recorded, around: recordedIndex)
        askedSnippet = Self.snippet(of: asked, around: askedIndex)
    }

    /// `differs at character 120: "…recorded…" → "…asked…"`.
    var description: String {
        "differs at character \(character): \"\(recordedSnippet)\" → \"\(askedSnippet)\""
    }

    /// Fraction (0…1) of the longer text that the two share as a common prefix; 1 when both are empty.
    static func sharedPrefixRatio(_ lhs: String, _ rhs: String) -> Double {
        let longest = max(lhs.utf8.count, rhs.utf8.count)
        guard longest > 0 else { return 1 }
        var shared = 0
        for (a, b) in zip(lhs.utf8, rhs.utf8) {
            if a != b { break }
            shared += 1
        }
        return Double(shared) / Double(longest)
    }

    /// Up to `contextBefore` characters before `index` and `contextAfter` from it, escaped and marked when cut.
    private static func snippet(of text: String, around index: String.Index) -> String {
        let start = text.index(index, offsetBy: -contextBefore, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(index, offsetBy: contextAfter, limitedBy: text.endIndex) ?? text.endIndex
        var out = start > text.startIndex ? "…" : ""
        out += escaped(text[start..<end])
        if end < text.endIndex { out += "…" }
        return out
    }

    /// `text` as it would sit inside double quotes: `"` and `\` escaped, control characters as `\n`, `\u001B`.
    static func escaped(_ text: some StringProtocol) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0}"..."\u{1F}", "\u{7F}":
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
