import TapedeckCodec
import TapedeckBedrock
import TapedeckStore
/// One cassette as the browser draws it: the request's system prompt and turns, the recorded answer (a stream
/// folded into one, as `converse` would return it) and its usage, every content block typed for the page.
///
/// Content blocks are read by `ContentBlock`, as `tapedeck show` reads them; only the output differs.
enum Transcript {
    /// Image formats shown inline, with their MIME types. Nothing else becomes a `data:` URL.
    static let imageTypes: [String: String] = ["png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"]
    /// Base64 characters of inline images one transcript carries at most; later images become labelled chips.
    static let inlineImageBudget = 24 << 20

    /// What the hits of a cassette saved.
    struct Savings: Sendable, Equatable {
        var hits: Int
        var tokens: TokenUsage
        /// US$, or nil when the model has no price.
        var cost: Double?
    }

    /// The transcript of `cassette` as the JSON the page reads.
    static func json(_ cassette: Cassette, namespace: String, savings: Savings) -> JSONValue {
        var toolNames: [String: String] = [:]
        var budget = inlineImageBudget
        let request = cassette.conversationRequest
        let tools = (request["toolConfig"]?["tools"]?.arrayValue ?? []).compactMap { $0["toolSpec"]?["name"]?.stringValue }
        var members = [
            JSONMember("key", .string(cassette.key.hex)),
            JSONMember("namespace", .string(namespace)),
            JSONMember("model", .string(cassette.modelId)),
            JSONMember("operation", .string(cassette.operation.rawValue)),
            JSONMember("recordedAt", .string(cassette.recordedAt)),
            JSONMember("upstreamLatencyMs", .number(String(cassette.upstreamLatencyMs))),
            JSONMember("repeat", .number(String(cassette.repeatIndex))),
            JSONMember("inference", request["inferenceConfig"].map { .string(ConversationText.compact($0)) } ?? .null),
            JSONMember("tools", .array(tools.map(JSONValue.string))),
            JSONMember("system", blocks(ContentBlock.blocks(request["system"]), toolNames: &toolNames, budget: &budget)),
        ]
        let messages = (request["messages"]?.arrayValue ?? []).map { message -> JSONValue in
            .object([
                JSONMember("role", .string(message["role"]?.stringValue ?? "?")),
                JSONMember("content", blocks(ContentBlock.blocks(message["content"]), toolNames: &toolNames, budget: &budget)),
            ])
        }
        members.append(JSONMember("messages", .array(messages)))
        members.append(JSONMember("answer", answer(cassette, toolNames: &toolNames, budget: &budget)))
        let usage = TokenUsage(of: cassette)
        members.append(JSONMember("usage", usage.map { .string($0.text) } ?? .null))
        members += savingsMembers(savings)
        return .object(members)
    }

    /// `hits`, `tokensSaved` and `costSaved`, as list rows and transcripts both give them.
    static func savingsMembers(_ savings: Savings) -> [JSONMember] {
        [
            JSONMember("hits", .number(String(savings.hits))),
            JSONMember("tokensSaved", .object([
                JSONMember("input", .number(String(savings.tokens.inputTokens))),
                JSONMember("output", .number(String(savings.tokens.outputTokens))),
            ])),
            JSONMember("costSaved", savings.cost.map { .number(ProxyStats.dollars($0)) } ?? .null),
        ]
    }

    /// The recorded answer: its content and stop reason, or why a stream cannot be folded into one.
    private static func answer(_ cassette: Cassette, toolNames: inout [String: String], budget: inout Int) -> JSONValue {
        let events = cassette.response.events
        var members = [
            JSONMember("status", .number(String(cassette.response.status))),
            JSONMember("streamEvents", events.map { .number(String($0.count)) } ?? .null),
        ]
        do {
            let body = try cassette.answerBody()
            let content = ContentBlock.blocks(body["output"]?["message"]?["content"])
            members.append(JSONMember("content", blocks(content, toolNames: &toolNames, budget: &budget)))
            members.append(JSONMember("stopReason", body["stopReason"]?.stringValue.map(JSONValue.string) ?? .null))
        } catch {
            members.append(JSONMember("problem", .string("the recorded stream cannot be folded into an answer: \(error.reason)")))
        }
        return .object(members)
    }

    private static func blocks(_ blocks: [ContentBlock], toolNames: inout [String: String], budget: inout Int) -> JSONValue {
        .array(blocks.map { block($0, toolNames: &toolNames, budget: &budget) })
    }

    /// One block as `{"type": …}` with what the page needs to draw it.
    static func block(_ block: ContentBlock, toolNames: inout [String: String], budget: inout Int) -> JSONValue {
        switch block {
        case .text(let text):
            return typed("text", [JSONMember("text", .string(text))])
        case .toolUse(let id, let name, let input):
            if let id { toolNames[id] = name }
            return typed("toolUse", [
                JSONMember("name", .string(name)), JSONMember("id", id.map(JSONValue.string) ?? .null),
                JSONMember("input", .string(readable(input ?? .object([])))),
            ])
        case .toolResult(let id, let status, let content):
            var nothing: [String: String] = [:]
            return typed("toolResult", [
                JSONMember("id", .string(id)), JSONMember("name", toolNames[id].map(JSONValue.string) ?? .null),
                JSONMember("status", status.map(JSONValue.string) ?? .null),
                JSONMember("content", blocks(content, toolNames: &nothing, budget: &budget)),
            ])
        case .json(let value):
            return typed("json", [JSONMember("json", .string(readable(value)))])
        case .media(let media):
            var members = [
                JSONMember("kind", .string(media.kind)), JSONMember("format", media.format.map(JSONValue.string) ?? .null),
                JSONMember("label", .string(media.label)),
            ]
            if let source = imageSource(media, budget: &budget) { members.append(JSONMember("src", .string(source))) }
            return typed("media", members)
        case .reasoning(let text):
            return typed("reasoning", [JSONMember("text", text.map(JSONValue.string) ?? .null)])
        case .cachePoint:
            return typed("note", [JSONMember("label", .string("cache point"))])
        case .guarded(let text):
            return typed("guarded", [JSONMember("text", .string(text))])
        case .other(let name):
            return typed("note", [JSONMember("label", .string(name))])
        }
    }

    /// A `data:` URL of an inline image in a format browsers draw safely (never SVG), when its text is plain
    /// base64 and fits the budget; nil otherwise, and the page shows the label instead.
    static func imageSource(_ media: ContentBlock.Media, budget: inout Int) -> String? {
        guard media.kind == "image", let format = media.format?.lowercased(), let type = imageTypes[format],
              case .bytes(let text) = media.source else { return nil }
        // RFC 4648 §4: the base64 alphabet and `=` padding; line breaks some encoders add are dropped.
        var data: [UInt8] = []
        data.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
                data.append(byte)
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                continue
            default:
                return nil
            }
        }
        guard !data.isEmpty, data.count % 4 == 0, data.count <= budget else { return nil }
        budget -= data.count
        return "data:\(type);base64," + String(decoding: data, as: UTF8.self)
    }

    private static func typed(_ type: String, _ members: [JSONMember]) -> JSONValue {
        .object([JSONMember("type", .string(type))] + members)
    }

    /// JSON up to this many bytes is shown on one line; longer JSON is indented.
    static let oneLineJSON = 72

    /// Tool input or a JSON result as text: compact when short, else indented (without a trailing newline).
    static func readable(_ value: JSONValue) -> String {
        let compact = JSONWriter.compact(value)
        if compact.count <= oneLineJSON { return String(decoding: compact, as: UTF8.self) }
        var bytes = JSONWriter.pretty(value)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
