/// `TAPEDECK_<FLAG>` environment variables: `TAPEDECK_PORT=9000`, `TAPEDECK_IGNORE_FIELD=a,b`, `TAPEDECK_QUIET=1`.
enum ConfigEnvironment {
    /// What every settings variable's name starts with.
    static let prefix = "TAPEDECK_"
    /// Variables with the prefix that are not settings: the pytest plugin's (which binary to run), the test suite's and
    /// the fuzzer's own, accepted and ignored.
    static let ignored: Set<String> = [
        "TAPEDECK_BINARY", "TAPEDECK_BIN", "TAPEDECK_DIST", "TAPEDECK_WHEEL",
        "TAPEDECK_RECORD_SAMPLES", "TAPEDECK_UPDATE_GOLDEN", "TAPEDECK_UPDATE_SCREENSHOTS",
        "TAPEDECK_FUZZ_TARGET", "TAPEDECK_FUZZ_TMP",
    ]

    /// A `TAPEDECK_*` variable no command reads, and the known one its name is nearest to.
    struct Unknown: Sendable, Equatable {
        let variable: String
        /// The known variable nearest by name.
        let nearest: String
        /// Whether `nearest` is close enough to be a likely typo (`NearestName.nearest`).
        let isTypo: Bool

        /// One line for a person: what is ignored and what was probably meant.
        var message: String {
            if isTypo { return "unknown environment variable \(variable) is ignored; did you mean \(nearest)?" }
            return "unknown environment variable \(variable) is ignored (the nearest known one is \(nearest); TAPEDECK_ variables set tapedeck serve's flags)"
        }
    }

    /// Every `TAPEDECK_*` variable in `environment` that sets none of `specs` (serve's flags, which every
    /// command's variables are among), sorted by name: a warning for every command alike, never a refusal, since a
    /// variable set for another tool (`TAPEDECK_HOME`) must not stop this one.
    static func unknown(_ environment: [String: String], specs: [FlagSpec] = ServeOptions.specs) -> [Unknown] {
        let known = Set(specs.map { variable(for: $0.name) })
        // Compared without the shared prefix, which would make every name look close to every other.
        let suffixes = specs.map { String(variable(for: $0.name).dropFirst(prefix.count)) }
        return environment.keys.sorted().compactMap { name in
            guard name.hasPrefix(prefix), !ignored.contains(name), !known.contains(name) else { return nil }
            let typed = String(name.dropFirst(prefix.count))
            let typo = NearestName.nearest(to: typed, in: suffixes)
            guard let nearest = typo ?? NearestName.closest(to: typed, in: suffixes) else { return nil }
            return Unknown(variable: name, nearest: prefix + nearest, isTypo: typo != nil)
        }
    }

    /// The variable that sets flag `name`: `TAPEDECK_` and the name upper-cased with dashes as underscores.
    static func variable(for name: String) -> String {
        prefix + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The settings in `environment` as `FlagParser` gives flag values (switches as `["true"]` or `["false"]`,
    /// repeatable flags split at commas), and the variable each came from; unknown `TAPEDECK_*` variables are left
    /// to `unknown`.
    static func values(
        _ environment: [String: String], specs: [FlagSpec]
    ) throws(UsageError) -> (values: [String: [String]], variables: [String: String]) {
        var values: [String: [String]] = [:]
        var variables: [String: String] = [:]
        for (variable, text) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix(prefix) && !ignored.contains(variable) {
            guard let spec = specs.first(where: { self.variable(for: $0.name) == variable }) else { continue }
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
