import TapedeckCodec
/// The `messages` list: count, roles, and each content block by its kind.
extension RequestDiff {
    /// `2 messages recorded, 3 asked` when the number of messages differs.
    static func messageCountDifferences(_ recorded: JSONValue?, _ asked: JSONValue?) -> [String] {
        let left = recorded?.arrayValue ?? []
        let right = asked?.arrayValue ?? []
        guard left.count != right.count else { return [] }
        return ["\(counted(left.count, "message")) recorded, \(right.count) asked"]
    }

    /// Each shared message compared in order, then `message N added` / `removed` for the rest.
    static func messagesDifferences(_ recorded: JSONValue?, _ asked: JSONValue?) -> [String] {
        let left = recorded?.arrayValue
        let right = asked?.arrayValue
        if (recorded != nil && left == nil) || (asked != nil && right == nil) {
            return presenceOrChange("messages", recorded, asked).map { [$0] } ?? []
        }
        let recordedMessages = left ?? []
        let askedMessages = right ?? []
        var lines: [String] = []
        for index in 0..<min(recordedMessages.count, askedMessages.count) {
            lines += messageDifferences(index + 1, recordedMessages[index], askedMessages[index])
        }
        for number in askedMessages.count..<max(askedMessages.count, recordedMessages.count) {
            lines.append("message \(number + 1) removed")
        }
        for number in recordedMessages.count..<max(askedMessages.count, recordedMessages.count) {
            lines.append("message \(number + 1) added")
        }
        return lines
    }

    /// Role, content blocks and any other member of message `number`.
    static func messageDifferences(_ number: Int, _ recorded: JSONValue, _ asked: JSONValue) -> [String] {
        if JSONEquivalence.equal(recorded, asked) { return [] }
        let name = "message \(number)"
        guard case .object(let left) = recorded, case .object(let right) = asked else { return [name + " changed"] }
        var lines: [String] = []
        let recordedRole = recorded["role"]
        let askedRole = asked["role"]
        if !JSONEquivalence.equal(recordedRole, askedRole) {
            lines.append("\(name) role \(roleText(recordedRole)) → \(roleText(askedRole))")
        }
        if let blocks = recorded["content"]?.arrayValue, let others = asked["content"]?.arrayValue {
            lines += contentDifferences(name, blocks, others)
        } else if let line = presenceOrChange(name + " content", recorded["content"], asked["content"]) {
            lines.append(line)
        }
        for key in JSONEquivalence.memberNames(left, right) where key != "role" && key != "content" {
            if let line = presenceOrChange("\(name) \(key)", member(key, of: left), member(key, of: right)) {
                lines.append(line)
            }
        }
        return lines.isEmpty ? [name + " changed"] : lines
    }

    private static func roleText(_ role: JSONValue?) -> String {
        guard let role else { return "(none)" }
        return role.stringValue ?? JSONEquivalence.scalarText(role) ?? "(not a string)"
    }

    /// Shared blocks compared by position, then `content block N added` / `removed`.
    private static func contentDifferences(_ message: String, _ recorded: [JSONValue], _ asked: [JSONValue]) -> [String] {
        let single = recorded.count == 1 && asked.count == 1
        var lines: [String] = []
        for index in 0..<min(recorded.count, asked.count) where !JSONEquivalence.equal(recorded[index], asked[index]) {
            let block = ContentBlockPlace(message: message, number: index + 1, isOnlyBlock: single)
            lines += blockDifferences(block, recorded[index], asked[index])
        }
        for index in asked.count..<max(asked.count, recorded.count) {
            lines.append("\(message) content block \(index + 1) removed")
        }
        for index in recorded.count..<max(asked.count, recorded.count) {
            lines.append("\(message) content block \(index + 1) added")
        }
        return lines
    }

    /// Two differing content blocks at the same position, described by their union member.
    private static func blockDifferences(_ place: ContentBlockPlace, _ recorded: JSONValue, _ asked: JSONValue) -> [String] {
        let recordedKind = blockKind(recorded)
        let askedKind = blockKind(asked)
        guard let kind = recordedKind, kind == askedKind, let left = recorded[kind], let right = asked[kind] else {
            let from = recordedKind ?? "unknown"
            let to = askedKind ?? "unknown"
            return ["\(place.block) changed" + (from == to ? "" : " (\(from) → \(to))")]
        }
        switch kind {
        case "text":
            if let a = left.stringValue, let b = right.stringValue, let difference = TextDifference(recorded: a, asked: b) {
                return ["\(place.text) \(difference.description)"]
            }
            return ["\(place.text) changed"]
        case "image", "document", "video", "audio":
            return ["\(place.block) changed (\(mediaDetail(kind, left, right)))"]
        case "toolUse":
            return toolUseDifferences(place.message, left, right)
        case "toolResult":
            return toolResultDifferences(place.message, left, right)
        default:
            return ["\(place.block) \(kind) changed"]
        }
    }

    /// The union member a content block carries (`text`, `image`, `toolUse`, …); the first by name if several.
    private static func blockKind(_ block: JSONValue) -> String? {
        guard let members = block.objectValue, !members.isEmpty else { return nil }
        return JSONWriter.sortedByUTF16(members).first?.key
    }

    /// `image bytes differ`, `image format png → jpeg`, or the first differing path inside the block.
    private static func mediaDetail(_ kind: String, _ recorded: JSONValue, _ asked: JSONValue) -> String {
        if !JSONEquivalence.equal(recorded["format"], asked["format"]) {
            return "\(kind) format \(valueText(recorded["format"])) → \(valueText(asked["format"]))"
        }
        if let a = recorded["source"]?["bytes"], let b = asked["source"]?["bytes"], !JSONEquivalence.equal(a, b) {
            return "\(kind) bytes differ"
        }
        return "\(kind) " + (JSONPathDifference.first(from: recorded, to: asked) ?? "changed")
    }

    /// `tool call get_weather input changed`, `tool call a → b`, `tool call a id x → y`.
    private static func toolUseDifferences(_ message: String, _ recorded: JSONValue, _ asked: JSONValue) -> [String] {
        let name = asked["name"]?.stringValue ?? recorded["name"]?.stringValue ?? "(unnamed)"
        var lines: [String] = []
        if !JSONEquivalence.equal(recorded["name"], asked["name"]) {
            lines.append("\(message) tool call \(valueText(recorded["name"])) → \(valueText(asked["name"]))")
        }
        if !JSONEquivalence.equal(recorded["input"], asked["input"]) {
            lines.append("\(message) tool call \(name) input changed")
        }
        if !JSONEquivalence.equal(recorded["toolUseId"], asked["toolUseId"]) {
            lines.append("\(message) tool call \(name) id \(valueText(recorded["toolUseId"])) → \(valueText(asked["toolUseId"]))")
        }
        return lines.isEmpty ? ["\(message) tool call \(name) changed"] : lines
    }

    /// `tool result for tooluse_abc changed`, its status, or a different `toolUseId`.
    private static func toolResultDifferences(_ message: String, _ recorded: JSONValue, _ asked: JSONValue) -> [String] {
        if !JSONEquivalence.equal(recorded["toolUseId"], asked["toolUseId"]) {
            return ["\(message) tool result for \(valueText(recorded["toolUseId"])) → \(valueText(asked["toolUseId"]))"]
        }
        let id = valueText(asked["toolUseId"])
        var lines: [String] = []
        if !JSONEquivalence.equal(recorded["status"], asked["status"]) {
            lines.append("\(message) tool result for \(id) status \(valueText(recorded["status"])) → \(valueText(asked["status"]))")
        }
        if !JSONEquivalence.equal(recorded.removing(path: "status"), asked.removing(path: "status")) {
            lines.append("\(message) tool result for \(id) changed")
        }
        return lines
    }

    /// A string as itself, another scalar as JSON, `(none)` when absent.
    static func valueText(_ value: JSONValue?) -> String {
        guard let value else { return "(none)" }
        return value.stringValue ?? JSONEquivalence.scalarText(value) ?? "(object)"
    }
}

/// Where a content block sits, and the words that name it in a difference.
struct ContentBlockPlace {
    /// `message 3`.
    let message: String
    /// 1-based block position.
    let number: Int
    /// Whether the block is the only one on both sides, so `message 3 text` is unambiguous.
    let isOnlyBlock: Bool

    /// `message 3 content block 2`.
    var block: String { "\(message) content block \(number)" }
    /// `message 3 text` for a lone text block, else `message 3 content block 2 text`.
    var text: String { isOnlyBlock ? "\(message) text" : "\(block) text" }
}
