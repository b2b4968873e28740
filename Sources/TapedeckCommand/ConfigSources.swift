import TapedeckSystem
/// Where a setting's value came from.
public enum ConfigOrigin: Sendable, Equatable {
    /// A flag on the command line.
    case commandLine
    /// A `TAPEDECK_*` environment variable, by name.
    case environment(String)
    /// A JSON settings file, by the name it was given (`tapedeck.json` or `--config FILE`).
    case file(String)

    /// ` (from TAPEDECK_PORT)` or ` (from tapedeck.json)` for a message about the value; empty for the command line.
    public var suffix: String {
        switch self {
        case .commandLine: return ""
        case .environment(let variable): return " (from \(variable))"
        case .file(let name): return " (from \(name))"
        }
    }
}

/// A command's flag values from every source, merged per flag: command line over environment over file.
///
/// Each source is first turned into `FlagParser`'s shape, `[flag name: values]`, so one validation serves all three.
/// A flag from a higher source replaces the lower one's value entirely, repeatable flags included.
public struct ConfigSources: Sendable {
    /// The merged values, switches as `["true"]` or `["false"]`.
    public var values: [String: [String]] = [:]
    /// Where each flag in `values` came from.
    public var origins: [String: ConfigOrigin] = [:]
    /// The settings file that was read, as it was named, or nil.
    public var file: String?
    /// Flag names in the order the command lists them.
    private var order: [String] = []

    /// The flag that names a settings file (`--config FILE`, `TAPEDECK_CONFIG`); a file may not set it.
    public static let configFlag = "config"

    /// Parses `arguments` and reads `environment` and the settings file: `--config FILE` or `TAPEDECK_CONFIG`
    /// (which must exist), else `tapedeck.json` in `workingDirectory` if it is there. Relative paths start at
    /// `workingDirectory`.
    public static func gather(
        _ arguments: [String], environment: [String: String], workingDirectory: String, specs: [FlagSpec], command: String
    ) throws(UsageError) -> ConfigSources {
        let flags = try FlagParser.parse(arguments, specs: specs, command: command)
        let fromEnvironment = try ConfigEnvironment.values(environment, specs: specs)
        var sources = ConfigSources()
        sources.order = specs.map(\.name)
        var fromFile: [String: [String]] = [:]
        let named = flags[configFlag]?.last.map { ($0, "--\(configFlag)") }
            ?? fromEnvironment.values[configFlag]?.last.map { ($0, ConfigEnvironment.variable(for: configFlag)) }
        let fileSpecs = specs.filter { $0.name != configFlag }
        if let (name, giver) = named {
            guard !name.isEmpty else { throw UsageError("\(giver) needs a file name") }
            guard let values = try ConfigFile.load(path: resolve(name, in: workingDirectory), name: name, specs: fileSpecs) else {
                throw UsageError("\(giver) \(name): no such file")
            }
            fromFile = values
            sources.file = name
        } else if let values = try ConfigFile.load(
            path: resolve(ConfigFile.defaultName, in: workingDirectory), name: ConfigFile.defaultName, specs: fileSpecs) {
            fromFile = values
            sources.file = ConfigFile.defaultName
        }
        for spec in specs {
            if let values = flags[spec.name] {
                sources.values[spec.name] = values
                sources.origins[spec.name] = .commandLine
            } else if let values = fromEnvironment.values[spec.name], let variable = fromEnvironment.variables[spec.name] {
                sources.values[spec.name] = values
                sources.origins[spec.name] = .environment(variable)
            } else if let values = fromFile[spec.name], let file = sources.file {
                sources.values[spec.name] = values
                sources.origins[spec.name] = .file(file)
            }
        }
        return sources
    }

    /// Where `name`'s value came from, for the end of a message about it; empty for the command line or a default.
    public func suffix(_ name: String) -> String {
        origins[name]?.suffix ?? ""
    }

    /// One start-up log event per source other than the command line that set something:
    /// `settings from file file=tapedeck.json flags=port,quiet`, `settings from the environment variables=TAPEDECK_PORT`.
    public var summary: [LogEvent] {
        var events: [LogEvent] = []
        let names = order.filter { origins[$0] != nil }
        if let file {
            let set = names.filter { origins[$0] == .file(file) }
            if !set.isEmpty {
                events.append(LogEvent(.info, "settings from file", [LogField("file", file), LogField("flags", set.joined(separator: ","))]))
            }
        }
        let variables = names.compactMap { name -> String? in
            if case .environment(let variable)? = origins[name] { return variable }
            return nil
        }
        if !variables.isEmpty {
            events.append(LogEvent(.info, "settings from the environment", [LogField("variables", variables.joined(separator: ","))]))
        }
        return events
    }

    /// `path` as given when absolute, else under `directory`.
    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") || directory == "." ? path : "\(directory)/\(path)"
    }
}
