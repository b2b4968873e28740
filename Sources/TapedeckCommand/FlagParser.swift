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

/// Splits `--flag value`, `--flag=value` and switches into values per flag, rejecting anything unknown with the
/// nearest valid flag when one is close.
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
            guard argument.hasPrefix("-"), argument.count > 1 else {
                operands.append(argument)
                continue
            }
            // `-port` or `-x`: no command takes single-dash flags (help's `-h` is answered before parsing).
            guard argument.hasPrefix("--") else {
                throw unknownFlag(argument, name: String(argument.dropFirst()), specs: specs, command: command)
            }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw unknownFlag("--\(name)", name: name, specs: specs, command: command)
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

    /// `unknown flag --upstrem; did you mean --upstream?`, or a pointer to the command's help when nothing is close.
    static func unknownFlag(_ given: String, name: String, specs: [FlagSpec], command: String) -> UsageError {
        if let nearest = NearestName.nearest(to: name, in: specs.map(\.name)) {
            return UsageError("unknown flag \(given); did you mean --\(nearest)?")
        }
        return UsageError("unknown flag \(given) (see tapedeck \(command) --help)")
    }
}
