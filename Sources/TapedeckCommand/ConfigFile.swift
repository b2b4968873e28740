import TapedeckCodec
import TapedeckStore
/// A JSON settings file such as `tapedeck.json`: an object whose keys are flag names without dashes.
enum ConfigFile {
    /// The file read from the working directory when present and no other file is named.
    static let defaultName = "tapedeck.json"
    /// The largest settings file read.
    static let maxBytes = 1 << 20

    /// The file's settings as `FlagParser` gives flag values, from the file at `path` (shown as `name` in errors).
    ///
    /// Returns nil when the file does not exist; a file that exists but cannot be read or checked is refused.
    static func load(path: String, name: String, specs: [FlagSpec]) throws(UsageError) -> [String: [String]]? {
        let bytes: [UInt8]?
        do {
            bytes = try FileIO.readIfPresent(path, limit: maxBytes)
        } catch {
            switch error {
            case .corrupt(_, let reason): throw UsageError("\(name): \(reason)")
            case .io(_, let system): throw UsageError("\(name): cannot read it: \(system)")
            default: throw UsageError("\(name): \(error)")
            }
        }
        guard let bytes else { return nil }
        return try values(bytes, name: name, specs: specs)
    }

    /// The settings in `bytes`, with switches as `["true"]` or `["false"]`; unknown keys and wrong types are refused by name.
    static func values(_ bytes: [UInt8], name: String, specs: [FlagSpec]) throws(UsageError) -> [String: [String]] {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, limits: JSONLimits(maxDepth: 8, maxStringBytes: maxBytes, maxMembers: 4096))
        } catch {
            throw UsageError("\(name): \(error)")
        }
        guard let members = document.objectValue else {
            throw UsageError("\(name): must hold a JSON object of settings such as {\"port\": 9000}, not \(kind(document))")
        }
        var values: [String: [String]] = [:]
        for member in members {
            guard let spec = specs.first(where: { $0.name == member.key }) else {
                if let nearest = NearestName.nearest(to: member.key, in: specs.map(\.name)) {
                    throw UsageError("\(name): unknown key \"\(member.key)\"; did you mean \"\(nearest)\"?")
                }
                throw UsageError("\(name): unknown key \"\(member.key)\"")
            }
            values[spec.name] = try strings(member.value, spec: spec, name: name)
        }
        return values
    }

    /// One member's value as flag values, if its type suits the flag.
    private static func strings(_ value: JSONValue, spec: FlagSpec, name: String) throws(UsageError) -> [String] {
        if spec.value == nil {
            guard let on = value.boolValue else { throw UsageError("\(name): \"\(spec.name)\" must be true or false, not \(kind(value))") }
            return [on ? "true" : "false"]
        }
        if let text = scalar(value) { return [text] }
        let expected = spec.repeatable ? "a string or an array of strings" : "a string or a number"
        guard spec.repeatable, let elements = value.arrayValue else {
            throw UsageError("\(name): \"\(spec.name)\" must be \(expected), not \(kind(value))")
        }
        var texts: [String] = []
        for element in elements {
            guard let text = element.stringValue else {
                throw UsageError("\(name): \"\(spec.name)\" must be \(expected), not an array holding \(kind(element))")
            }
            texts.append(text)
        }
        return texts
    }

    /// A string's text or a number's literal as written.
    private static func scalar(_ value: JSONValue) -> String? {
        value.stringValue ?? value.numberLiteral
    }

    /// What a value is, for messages: `a string`, `an array`, `true`.
    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let literal): return "the number \(literal)"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
