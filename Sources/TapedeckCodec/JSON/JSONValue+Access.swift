/// Read access and path removal for `JSONValue`, with member names matched by exact code points.
extension JSONValue {
    /// The value of the member named exactly `key` (UTF-8 bytes equal), or nil if absent or not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { ExactKey.equal($0.key, key) }?.value
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members in source order, if this is an object.
    public var objectValue: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The number literal as written, if this is a number.
    public var numberLiteral: String? {
        if case .number(let literal) = self { return literal }
        return nil
    }

    /// The flag, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// This value without the member at a dotted path such as `inferenceConfig.temperature`.
    ///
    /// Only objects are descended into; a path that does not exist leaves the value unchanged.
    /// Path components are matched exactly, so a member name containing a dot cannot be addressed.
    public func removing(path: String) -> JSONValue {
        let components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !components.contains(where: \.isEmpty) else { return self }
        return removing(components[...])
    }

    private func removing(_ components: ArraySlice<String>) -> JSONValue {
        guard case .object(var members) = self, let name = components.first else { return self }
        guard let index = members.firstIndex(where: { ExactKey.equal($0.key, name) }) else { return self }
        if components.count == 1 {
            members.remove(at: index)
        } else {
            members[index].value = members[index].value.removing(components.dropFirst())
        }
        return .object(members)
    }
}

extension JSONValue {
    /// A copy with the member at `path` (object names) set to `value`, creating objects on the way.
    public func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let name = path.first else { return value }
        var members = objectValue ?? []
        let rest = Array(path.dropFirst())
        if let index = members.firstIndex(where: { $0.key.utf8.elementsEqual(name.utf8) }) {
            members[index].value = members[index].value.setting(rest, to: value)
        } else {
            members.append(JSONMember(name, JSONValue.object([]).setting(rest, to: value)))
        }
        return .object(members)
    }
}

extension JSONValue {
    /// A copy with every object's members in the order the pretty writer puts them (UTF-16 order of names), as a
    /// document reads back from a cassette file.
    public var sortedKeys: JSONValue {
        switch self {
        case .array(let elements): return .array(elements.map(\.sortedKeys))
        case .object(let members): return .object(JSONWriter.sortedByUTF16(members).map { JSONMember($0.key, $0.value.sortedKeys) })
        default: return self
        }
    }
}
