/// One flag a command accepts: its name, the value it takes (if any), what it does and its default.
public struct FlagSpec: Sendable {
    public let name: String
    /// Placeholder for the value, or nil for a switch such as `--quiet`.
    public let value: String?
    public let help: String
    public let defaultText: String
    public let repeatable: Bool

    /// Creates a flag description.
    public init(_ name: String, value: String?, help: String, default defaultText: String, repeatable: Bool = false) {
        self.name = name
        self.value = value
        self.help = help
        self.defaultText = defaultText
        self.repeatable = repeatable
    }
}

/// Splits `--flag value`, `--flag=value` and switches into values per flag, rejecting anything unknown.
public enum FlagParser {
    /// Every value given for each flag, in order; switches map to `["true"]`. Anything that is not a flag is refused.
    public static func parse(_ arguments: [String], specs: [FlagSpec], command: String) throws(UsageError) -> [String: [String]] {
        let parsed = try parseWithOperands(arguments, specs: specs, command: command)
        if let operand = parsed.operands.first {
            throw UsageError("unexpected argument \"\(operand)\" (see tapedeck \(command) --help)")
        }
        return parsed.values
    }

    /// The flags' values as `parse` gives them, and the other arguments (operands such as key prefixes) in order.
    public static func parseWithOperands(
        _ arguments: [String], specs: [FlagSpec], command: String
    ) throws(UsageError) -> (values: [String: [String]], operands: [String]) {
        var values: [String: [String]] = [:]
        var operands: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                operands.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw UsageError("unknown flag --\(name) (see tapedeck \(command) --help)")
            }
            let value: String
            if spec.value == nil {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                value = "true"
            } else if let inline {
                value = inline
            } else {
                guard index < arguments.count else { throw UsageError("--\(name) needs a value: --\(name) \(spec.value!)") }
                value = arguments[index]
                index += 1
            }
            if values[name] != nil && !spec.repeatable { throw UsageError("--\(name) given more than once") }
            values[name, default: []].append(value)
        }
        return (values, operands)
    }

    /// The help text listing every flag with its value, meaning and default.
    public static func help(_ specs: [FlagSpec]) -> String {
        let left = specs.map { spec in "  --\(spec.name)" + (spec.value.map { " \($0)" } ?? "") }
        let width = (left.map(\.count).max() ?? 0) + 2
        return zip(left, specs).map { text, spec in
            let pad = String(repeating: " ", count: width - text.count)
            return "\(text)\(pad)\(spec.help) (default: \(spec.defaultText))"
        }.joined(separator: "\n")
    }
}
