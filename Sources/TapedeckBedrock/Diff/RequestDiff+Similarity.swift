import TapedeckCodec
/// A cheap score of how alike two Converse requests are, used to pick the nearest recorded request.
extension RequestDiff {
    /// Weight of the shared conversation (the `messages` prefix).
    static let messagesWeight = 0.5
    /// Weight of an identical system prompt.
    static let systemWeight = 0.2
    /// Weight of the overlap between tool names.
    static let toolsWeight = 0.15
    /// Weight of the `inferenceConfig` members that agree.
    static let inferenceWeight = 0.1
    /// Weight of every other top-level field (and `toolChoice`) that agrees.
    static let otherWeight = 0.05

    /// How alike two request bodies are, from 0 (nothing shared) to 1 (equivalent except `requestMetadata`).
    ///
    /// The score is a weighted sum of five parts, each in 0…1:
    /// - messages (0.5): equivalent messages shared from the start, plus up to 0.9 of a message for the
    ///   common text prefix of the first pair that differs (same role only), over the longer list's count;
    /// - system prompt (0.2): 1 when equivalent (or absent on both sides, `"system": []` counting as absent), else 0;
    /// - tools (0.15): Jaccard overlap of `toolSpec` names (1 when neither side has tools);
    /// - inferenceConfig (0.1): share of its members, by name, whose values are equivalent;
    /// - everything else (0.05): share of the remaining top-level fields and `toolChoice` that are equivalent.
    /// Comparisons follow `differences`: member order and number spelling do not count. Symmetric.
    public static func similarity(_ a: JSONValue, _ b: JSONValue) -> Double {
        let messages = messagesScore(a["messages"]?.arrayValue ?? [], b["messages"]?.arrayValue ?? [])
        let system: Double = JSONEquivalence.equal(a["system"].flatMap(systemPrompt), b["system"].flatMap(systemPrompt)) ? 1 : 0
        let tools = toolsScore(ToolList(a["toolConfig"]?["tools"]).names, ToolList(b["toolConfig"]?["tools"]).names)
        let inference = agreement(a["inferenceConfig"]?.objectValue ?? [], b["inferenceConfig"]?.objectValue ?? [])
        let other = agreement(otherMembers(a), otherMembers(b))
        return messagesWeight * messages + systemWeight * system + toolsWeight * tools
            + inferenceWeight * inference + otherWeight * other
    }

    private static func messagesScore(_ a: [JSONValue], _ b: [JSONValue]) -> Double {
        let longest = max(a.count, b.count)
        guard longest > 0 else { return 1 }
        var shared = 0
        while shared < min(a.count, b.count), JSONEquivalence.equal(a[shared], b[shared]) {
            shared += 1
        }
        var partial = 0.0
        if shared < min(a.count, b.count), JSONEquivalence.equal(a[shared]["role"], b[shared]["role"]) {
            partial = 0.9 * TextDifference.sharedPrefixRatio(messageText(a[shared]), messageText(b[shared]))
        }
        return (Double(shared) + partial) / Double(longest)
    }

    /// The text blocks of a message joined by newlines.
    static func messageText(_ message: JSONValue) -> String {
        let texts = (message["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        return texts.count == 1 ? texts[0] : texts.joined(separator: "\n")
    }

    private static func toolsScore(_ a: [String], _ b: [String]) -> Double {
        let left = Set(a.map(ExactKey.init))
        let right = Set(b.map(ExactKey.init))
        let union = left.union(right).count
        guard union > 0 else { return 1 }
        return Double(left.intersection(right).count) / Double(union)
    }

    /// Share of member names, over both sides, whose values are equivalent; 1 when neither has members.
    private static func agreement(_ a: [JSONMember], _ b: [JSONMember]) -> Double {
        let names = JSONEquivalence.memberNames(a, b)
        guard !names.isEmpty else { return 1 }
        let agreeing = names.filter { JSONEquivalence.equal(member($0, of: a), member($0, of: b)) }.count
        return Double(agreeing) / Double(names.count)
    }

    /// Top-level members other than the scored ones and `requestMetadata`, plus `toolChoice`.
    private static func otherMembers(_ request: JSONValue) -> [JSONMember] {
        let scored = ["messages", "system", "toolConfig", "inferenceConfig", "requestMetadata"]
        var members = (request.objectValue ?? []).filter { member in
            !scored.contains(where: { ExactKey.equal($0, member.key) })
        }
        if let choice = request["toolConfig"]?["toolChoice"] {
            members.append(JSONMember("toolConfig.toolChoice", choice))
        }
        return members
    }
}
