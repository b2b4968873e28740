/// `TAPEDECK_<FLAG>` environment variables: `TAPEDECK_PORT=9000`, `TAPEDECK_IGNORE_FIELD=a,b`, `TAPEDECK_QUIET=1`.
enum ConfigEnvironment {
    /// What every settings variable's name starts with.
    static let prefix = "TAPEDECK_"
    /// Variables with the prefix that are not settings: the test suite's own, accepted and ignored.
    static let ignored: Set<String> = ["TAPEDECK_BIN", "TAPEDECK_RECORD_SAMPLES", "TAPEDECK_UPDATE_GOLDEN", "TAPEDECK_UPDATE_SCREENSHOTS"]

    /// The variable that sets flag `name`: `TAPEDECK_` and the name upper-cased with dashes as underscores.
    static func variable(for name: String) -> String {
        prefix + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The settings in `environment` as `FlagParser` gives flag values (switches as `["true"]` or `["false"]`,
    /// repeatable flags split at commas), and the variable each came from; unknown `TAPEDECK_*` variables are refused.
    static func values(
        _ environment: [String: String], specs: [FlagSpec], command: String
    ) throws(UsageError) -> (values: [String: [String]], variables: [String: String]) {
        var values: [String: [String]] = [:]
        var variables: [String: String] = [:]
        for (variable, text) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix(prefix) && !ignored.contains(variable) {
            guard let spec = specs.first(where: { self.variable(for: $0.name) == variable }) else {
                // Compared without the shared prefix, which would make every name look close to every other.
                let suffixes = specs.map { String(self.variable(for: $0.name).dropFirst(prefix.count)) }
                if let nearest = NearestName.nearest(to: String(variable.dropFirst(prefix.count)), in: suffixes) {
                    throw UsageError("unknown environment variable \(variable); did you mean \(prefix)\(nearest)?")
                }
                throw UsageError("unknown environment variable \(variable) (TAPEDECK_ variables set tapedeck \(command)'s flags, e.g. TAPEDECK_PORT)")
            }
            variables[spec.name] = variable
            if spec.value == nil {
                switch text.lowercased() {
                case "1", "true": values[spec.name] = ["true"]
                case "0", "false": values[spec.name] = ["false"]
                default: throw UsageError("\(variable) must be 1, true, 0 or false, not \"\(text)\"")
                }
            } else if spec.repeatable {
                values[spec.name] = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            } else {
                values[spec.name] = [text]
            }
        }
        return (values, variables)
    }
}
