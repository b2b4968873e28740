import TapedeckCodec
/// Explains, in Converse terms, how an asked request differs from the recorded one nearest to it.
///
/// Lines come most important first: message count, system prompt, each message in order (then messages
/// added or removed), tools and `toolChoice`, `inferenceConfig`, `additionalModelRequestFields`, and
/// finally every other top-level field by name. Values compare as RFC 8785 canonical JSON does: member
/// order and number spelling (`0.7`, `0.70`, `7e-1`) never count. `requestMetadata` is ignored because it
/// only tags invocation logs. Message, content block and character positions are 1-based.
public enum RequestDiff {
    /// Top-level fields compared by their own rules, or not at all (`requestMetadata`).
    static let structuredFields = [
        "messages", "system", "toolConfig", "inferenceConfig", "additionalModelRequestFields", "requestMetadata",
    ]

    /// What differs between two Converse request bodies, most important first: at most `limit` lines,
    /// followed by `and N more differences` when there were more. Equivalent requests give `[]`.
    public static func differences(from recorded: JSONValue, to asked: JSONValue, limit: Int = 5) -> [String] {
        let lines = allDifferences(from: recorded, to: asked)
        let shown = max(limit, 0)
        guard lines.count > shown else { return lines }
        let hidden = lines.count - shown
        return Array(lines.prefix(shown)) + ["and \(hidden) more difference\(hidden == 1 ? "" : "s")"]
    }

    /// Every difference, most important first, without a limit.
    static func allDifferences(from recorded: JSONValue, to asked: JSONValue) -> [String] {
        guard case .object(let left) = recorded, case .object(let right) = asked else {
            return JSONEquivalence.equal(recorded, asked) ? [] : ["request body changed"]
        }
        var lines = messageCountDifferences(recorded["messages"], asked["messages"])
        lines += systemDifferences(recorded["system"], asked["system"])
        lines += messagesDifferences(recorded["messages"], asked["messages"])
        lines += toolConfigDifferences(recorded["toolConfig"], asked["toolConfig"])
        lines += inferenceConfigDifferences(recorded["inferenceConfig"], asked["inferenceConfig"])
        lines += freeFieldDifferences(
            "additionalModelRequestFields",
            recorded["additionalModelRequestFields"],
            asked["additionalModelRequestFields"]
        )
        lines += otherFieldDifferences(left, right)
        return lines
    }

    /// `<field> changed` / `added` / `removed` for every top-level field without a rule of its own.
    static func otherFieldDifferences(_ recorded: [JSONMember], _ asked: [JSONMember]) -> [String] {
        var lines: [String] = []
        for name in JSONEquivalence.memberNames(recorded, asked)
        where !structuredFields.contains(where: { ExactKey.equal($0, name) }) {
            if let line = presenceOrChange(name, member(name, of: recorded), member(name, of: asked)) {
                lines.append(line)
            }
        }
        return lines
    }

    /// `additionalModelRequestFields changed (thinking.budget_tokens 1024 → 2048)`, or added / removed.
    static func freeFieldDifferences(_ name: String, _ recorded: JSONValue?, _ asked: JSONValue?) -> [String] {
        guard let recorded, let asked else {
            return presenceOrChange(name, recorded, asked).map { [$0] } ?? []
        }
        guard let detail = JSONPathDifference.first(from: recorded, to: asked) else { return [] }
        return ["\(name) changed (\(detail))"]
    }

    /// `<name> added`, `<name> removed`, `<name> changed`, or nil when both sides are equivalent.
    static func presenceOrChange(_ name: String, _ recorded: JSONValue?, _ asked: JSONValue?) -> String? {
        switch (recorded, asked) {
        case (nil, nil): return nil
        case (nil, .some): return name + " added"
        case (.some, nil): return name + " removed"
        case (let a?, let b?): return JSONEquivalence.equal(a, b) ? nil : name + " changed"
        }
    }

    /// The value of the member named exactly `name`.
    static func member(_ name: String, of members: [JSONMember]) -> JSONValue? {
        members.first { ExactKey.equal($0.key, name) }?.value
    }

    /// `1 message` / `3 messages`, and likewise for any noun with a plain `s` plural.
    static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}
