import TapedeckCodec
/// The request settings around the conversation: system prompt, tools and inference parameters.
extension RequestDiff {
    /// `inferenceConfig` members in the order a person reads them; unknown ones follow by name.
    static let inferenceFields = ["maxTokens", "temperature", "topP", "stopSequences"]

    /// `system prompt added` / `removed` / `changed`, or where its text first differs.
    ///
    /// `"system": []` holds no system prompt, so it is compared as absent: `[]` against a prompt is
    /// `system prompt added` (or `removed`). The keys still differ when one side has `[]` and the other no `system` at
    /// all (the body is hashed as sent), so that alone is said as it is: `system [] → absent (no system prompt either
    /// way)`.
    static func systemDifferences(_ recorded: JSONValue?, _ asked: JSONValue?) -> [String] {
        let recordedPrompt = recorded.flatMap(systemPrompt), askedPrompt = asked.flatMap(systemPrompt)
        guard let recordedPrompt, let askedPrompt else {
            if recordedPrompt != nil || askedPrompt != nil {
                return presenceOrChange("system prompt", recordedPrompt, askedPrompt).map { [$0] } ?? []
            }
            // Neither has a prompt: what is left to tell is `[]` against no `system` member at all.
            guard (recorded == nil) != (asked == nil) else { return [] }
            return ["system \(recorded == nil ? "absent → []" : "[] → absent") (no system prompt either way)"]
        }
        if JSONEquivalence.equal(recordedPrompt, askedPrompt) { return [] }
        guard let left = recordedPrompt.arrayValue, let right = askedPrompt.arrayValue, left.count == right.count,
              let index = left.indices.first(where: { !JSONEquivalence.equal(left[$0], right[$0]) }),
              let a = left[index]["text"]?.stringValue, let b = right[index]["text"]?.stringValue,
              let difference = TextDifference(recorded: a, asked: b)
        else { return ["system prompt changed"] }
        let place = left.count == 1 ? "system prompt" : "system prompt block \(index + 1)"
        return ["\(place) \(difference.description)"]
    }

    /// `system` as a system prompt: nil for an empty list, which holds none.
    static func systemPrompt(_ system: JSONValue) -> JSONValue? {
        system.arrayValue?.isEmpty == true ? nil : system
    }

    /// `temperature 0.2 → 0.7`, `topP added (0.9)`, `stopSequences changed`, one line per member.
    static func inferenceConfigDifferences(_ recorded: JSONValue?, _ asked: JSONValue?) -> [String] {
        let left = recorded?.objectValue
        let right = asked?.objectValue
        if (recorded != nil && left == nil) || (asked != nil && right == nil) {
            return presenceOrChange("inferenceConfig", recorded, asked).map { [$0] } ?? []
        }
        let recordedMembers = left ?? []
        let askedMembers = right ?? []
        let known = inferenceFields
        let unknown = JSONEquivalence.memberNames(recordedMembers, askedMembers)
            .filter { name in !known.contains(where: { ExactKey.equal($0, name) }) }
        var lines: [String] = []
        for name in known + unknown {
            let label = known.contains(name) ? name : "inferenceConfig.\(name)"
            if let line = settingDifference(label, member(name, of: recordedMembers), member(name, of: askedMembers)) {
                lines.append(line)
            }
        }
        return lines
    }

    /// One setting: scalars show their values (`0.2 → 0.7`, `added (0.9)`), structures just `changed`.
    static func settingDifference(_ name: String, _ recorded: JSONValue?, _ asked: JSONValue?) -> String? {
        switch (recorded, asked) {
        case (nil, nil):
            return nil
        case (nil, let value?):
            return JSONEquivalence.scalarText(value).map { "\(name) added (\($0))" } ?? "\(name) added"
        case (let value?, nil):
            return JSONEquivalence.scalarText(value).map { "\(name) removed (\($0))" } ?? "\(name) removed"
        case (let a?, let b?):
            if JSONEquivalence.equal(a, b) { return nil }
            if let from = JSONEquivalence.scalarText(a), let to = JSONEquivalence.scalarText(b) {
                return "\(name) \(from) → \(to)"
            }
            return "\(name) changed"
        }
    }

    /// Tools by name (`tool get_weather added`, `… description changed`, `… input schema changed`), then
    /// `toolChoice` and any other `toolConfig` member.
    static func toolConfigDifferences(_ recorded: JSONValue?, _ asked: JSONValue?) -> [String] {
        let left = recorded?.objectValue
        let right = asked?.objectValue
        if (recorded != nil && left == nil) || (asked != nil && right == nil) {
            return presenceOrChange("toolConfig", recorded, asked).map { [$0] } ?? []
        }
        let recordedMembers = left ?? []
        let askedMembers = right ?? []
        var lines = toolsDifferences(member("tools", of: recordedMembers), member("tools", of: askedMembers))
        let rest = JSONEquivalence.memberNames(recordedMembers, askedMembers)
            .filter { $0 != "tools" && $0 != "toolChoice" }
        for name in ["toolChoice"] + rest {
            let label = name == "toolChoice" ? name : "toolConfig.\(name)"
            if let line = presenceOrChange(label, member(name, of: recordedMembers), member(name, of: askedMembers)) {
                lines.append(line)
            }
        }
        return lines
    }

    private static func toolsDifferences(_ recorded: JSONValue?, _ asked: JSONValue?) -> [String] {
        if JSONEquivalence.equal(recorded, asked) { return [] }
        let left = ToolList(recorded)
        let right = ToolList(asked)
        var lines: [String] = []
        for (name, spec) in right.named {
            guard let before = left.spec(named: name) else {
                lines.append("tool \(name) added")
                continue
            }
            if JSONEquivalence.equal(before, spec) { continue }
            var specific: [String] = []
            if !JSONEquivalence.equal(before["description"], spec["description"]) {
                specific.append("tool \(name) description changed")
            }
            if !JSONEquivalence.equal(before["inputSchema"], spec["inputSchema"]) {
                specific.append("tool \(name) input schema changed")
            }
            let rest = ["description", "inputSchema"].reduce(before) { $0.removing(path: $1) }
            let others = ["description", "inputSchema"].reduce(spec) { $0.removing(path: $1) }
            if !JSONEquivalence.equal(rest, others) { specific.append("tool \(name) changed") }
            lines += specific
        }
        for (name, _) in left.named where right.spec(named: name) == nil {
            lines.append("tool \(name) removed")
        }
        if lines.isEmpty {
            let sameNames = left.named.count == right.named.count
            let sameOthers = JSONEquivalence.equal(.array(left.others), .array(right.others))
            lines.append(sameNames && sameOthers ? "tool order changed" : "tools changed")
        }
        return lines
    }
}

/// The `toolConfig.tools` list split into named `toolSpec`s and the other entries (such as `cachePoint`).
struct ToolList {
    /// `(name, toolSpec)` in list order.
    var named: [(name: String, spec: JSONValue)] = []
    /// Entries without a named `toolSpec`, in list order.
    var others: [JSONValue] = []

    /// Splits `tools`; a missing or non-array value gives an empty list.
    init(_ tools: JSONValue?) {
        for tool in tools?.arrayValue ?? [] {
            if let spec = tool["toolSpec"], let name = spec["name"]?.stringValue {
                named.append((name, spec))
            } else {
                others.append(tool)
            }
        }
    }

    /// The `toolSpec` of the tool named exactly `name`.
    func spec(named name: String) -> JSONValue? {
        named.first { ExactKey.equal($0.name, name) }?.spec
    }

    /// The tool names, in list order.
    var names: [String] { named.map(\.name) }
}
