import TapedeckCodec

/// Serve's log lines read back into their fields, so a test can compare the text and JSON formats name by name.
package enum LogLines {
    /// The fields of a JSON-format line (`time`, `level`, `msg` and the event's own), each value as text; nil when the
    /// line is not one JSON object of scalars.
    package static func json(_ line: String) -> [String: String]? {
        guard let value = try? JSONParser.parse(Array(line.utf8)), case .object(let members) = value else { return nil }
        var fields: [String: String] = [:]
        for member in members {
            switch member.value {
            case .string(let text): fields[member.key] = text
            case .number(let text): fields[member.key] = text
            case .bool(let flag): fields[member.key] = flag ? "true" : "false"
            default: return nil
            }
        }
        return fields
    }

    /// The fields of a text-format line: `TIME LEVEL message name=value …`, a quoted value read as a JSON string; the
    /// level lower-cased as JSON has it. Nil when the line does not have that shape.
    package static func text(_ line: String) -> [String: String]? {
        var rest = Substring(line)
        func word() -> Substring {
            rest = rest.drop { $0 == " " }
            let taken = rest.prefix { $0 != " " }
            rest = rest.dropFirst(taken.count)
            return taken
        }
        var fields = ["time": String(word()), "level": word().lowercased()]
        var message: [Substring] = []
        while true {
            rest = rest.drop { $0 == " " }
            guard !rest.isEmpty else { break }
            // Field names are lower case, but for an environment variable's (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).
            let name = rest.prefix { $0.isLowercase || $0.isUppercase || $0 == "_" }
            if !name.isEmpty, rest.dropFirst(name.count).first == "=" {
                break
            }
            message.append(word())
        }
        fields["msg"] = message.joined(separator: " ")
        while true {
            rest = rest.drop { $0 == " " }
            guard !rest.isEmpty else { break }
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            let name = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
            if rest.first == "\"" {
                // A JSON string: find its closing quote, skipping escaped characters.
                var index = rest.index(after: rest.startIndex)
                while index < rest.endIndex, rest[index] != "\"" {
                    if rest[index] == "\\" { index = rest.index(after: index) }
                    index = rest.index(after: index)
                }
                guard index < rest.endIndex else { return nil }
                let literal = rest[...index]
                guard case .string(let text)? = try? JSONParser.parse(Array(literal.utf8)) else { return nil }
                fields[name] = text
                rest = rest[rest.index(after: index)...]
            } else {
                fields[name] = String(word())
            }
        }
        return fields
    }
}
