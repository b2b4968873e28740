/// A length of time as `prune` takes it: a whole number and a unit, `30d`, `12h`, `90m` or `45s`.
struct TimeSpan: Sendable, Equatable, CustomStringConvertible {
    /// The length in seconds.
    let seconds: Int
    /// As it was written.
    let text: String

    /// Seconds per unit letter.
    static let units: [Character: Int] = ["d": 86_400, "h": 3600, "m": 60, "s": 1]

    /// Parses `Nd`, `Nh`, `Nm` or `Ns` with N a whole number; nil for anything else or a span past year 10,000.
    init?(_ text: String) {
        guard let unit = text.last, let scale = Self.units[unit] else { return nil }
        let number = text.dropLast()
        guard !number.isEmpty, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber),
              let count = Int(number), count <= 10_000 * 366 * 86_400 / scale
        else { return nil }
        self.seconds = count * scale
        self.text = text
    }

    var description: String { text }

    /// Parses the value of `--<flag>`, or says what is expected.
    static func parse(_ text: String, flag: String) throws(UsageError) -> TimeSpan {
        guard let span = TimeSpan(text) else {
            throw UsageError("--\(flag) must be a whole number followed by d, h, m or s (e.g. 30d, 12h), not \"\(text)\"")
        }
        return span
    }
}
