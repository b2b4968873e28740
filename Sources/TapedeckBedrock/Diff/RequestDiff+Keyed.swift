import TapedeckCodec
/// Differences between two requests of any operation: the keyed headers, then the bodies in Converse's terms when
/// both are conversations Tapedeck can read (Converse, Anthropic Messages), else by JSON path or by size.
extension RequestDiff {
    /// What differs between the recorded request and the asked one, most important first, at most `limit` lines.
    public static func differences(from recorded: KeyedRequest, to asked: KeyedRequest, limit: Int = 5) -> [String] {
        var lines: [String] = []
        if recorded.operation != asked.operation && recorded.keyFamily != asked.keyFamily {
            lines.append("operation \(recorded.operation.rawValue) → \(asked.operation.rawValue)")
        }
        if recorded.modelId != asked.modelId { lines.append("model \(recorded.modelId) → \(asked.modelId)") }
        lines += headerDifferences(recorded.headers, asked.headers)
        switch (recorded.body, asked.body) {
        case (.bytes(let left), .bytes(let right)):
            if left != right { lines.append("body (not JSON) differs: \(left.count) → \(right.count) bytes") }
        case (.bytes(let left), .json):
            lines.append("body was \(left.count) bytes of non-JSON, now JSON")
        case (.json, .bytes(let right)):
            lines.append("body was JSON, now \(right.count) bytes of non-JSON")
        case (.json, .json):
            lines += comparableDifferences(
                from: recorded.comparable, to: asked.comparable,
                asConversation: recorded.comparesAsConversation && asked.comparesAsConversation, limit: .max)
        }
        let shown = max(limit, 0)
        guard lines.count > shown else { return lines }
        let hidden = lines.count - shown
        return Array(lines.prefix(shown)) + ["and \(hidden) more difference\(hidden == 1 ? "" : "s")"]
    }

    /// What differs between two `KeyedRequest.comparable` values: in Converse's terms, or the first JSON path.
    public static func comparableDifferences(from recorded: JSONValue, to asked: JSONValue, asConversation: Bool, limit: Int = 5) -> [String] {
        if asConversation { return differences(from: recorded, to: asked, limit: limit) }
        return JSONPathDifference.first(from: recorded, to: asked).map { ["body: \($0)"] } ?? []
    }

    static func headerDifferences(_ recorded: [HeaderPair], _ asked: [HeaderPair]) -> [String] {
        var names: [String] = []
        for header in recorded + asked where !names.contains(header.name) { names.append(header.name) }
        return names.compactMap { name in
            let left = recorded.first { $0.name == name }?.value, right = asked.first { $0.name == name }?.value
            switch (left, right) {
            case let (left?, right?) where left != right: return "header \(name) \(left) → \(right)"
            case (nil, let right?): return "header \(name) added (\(right))"
            case (let left?, nil): return "header \(name) removed (was \(left))"
            default: return nil
            }
        }
    }
}

extension KeyedRequest {
    /// Whether differences are told in Converse's terms: Converse, and Anthropic Messages read as Converse.
    public var comparesAsConversation: Bool {
        operation.family == .converse || crossServes
    }

    /// What the nearest-request index keeps and the diff compares: the conversation for Converse-like requests,
    /// else the JSON body as sent (`{}` for a body that is not JSON).
    public var comparable: JSONValue {
        if operation.family == .converse, case .json(let json) = body { return json.removing(path: "requestMetadata") }
        if comparesAsConversation { return conversation }
        if case .json(let json) = body { return json }
        return .object([])
    }

    /// The group of the nearest-request index this request is compared within: its model for Converse (as
    /// before), else the key family and the model, so an embedding is never the nearest of a chat.
    public var nearestGroup: String {
        operation.family == .converse ? modelId : "\(keyFamily) \(modelId)"
    }
}
