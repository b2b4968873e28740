import TapedeckCodec
/// One Converse content block (`text`, `toolUse`, `toolResult`, `image`, …) read for showing to a person:
/// `tapedeck show` prints it as a line, the cassette browser draws it. Parsing lives here once for both.
package enum ContentBlock: Equatable {
    case text(String)
    case toolUse(id: String?, name: String, input: JSONValue?)
    /// A tool's answer; a `json` part of its content is `.json`, any other part a block of its own.
    case toolResult(id: String, status: String?, content: [ContentBlock])
    /// A `json` part of a tool result.
    case json(JSONValue)
    case media(Media)
    /// `reasoningContent`: its text, or nil when redacted.
    case reasoning(String?)
    case cachePoint
    case guarded(String)
    /// A block kind not shown in detail, by its member name.
    case other(String)

    /// An `image`, `document` or `video` block.
    package struct Media: Equatable {
        /// Where the bytes are.
        package enum Source: Equatable {
            /// Inline, as standard base64 text.
            case bytes(String)
            case s3(uri: String)
            case none
        }

        /// `image`, `document` or `video`.
        package var kind: String
        package var format: String?
        var name: String?
        package var source: Source

        /// `image png, 12345 bytes`, `document pdf "report", 2048 bytes`, or with the S3 URI when not inline.
        package var label: String {
            var what = kind
            if let format { what += " \(format)" }
            if let name { what += " \"\(name)\"" }
            switch source {
            case .bytes(let data): return "\(what), \(Self.decodedSize(base64: data)) bytes"
            case .s3(let uri): return "\(what), \(uri)"
            case .none: return what
            }
        }

        /// How many bytes base64 `text` decodes to (RFC 4648 §4: 4 characters carry 3 bytes, `=` pads the last group).
        static func decodedSize(base64 text: String) -> Int {
            let characters = text.utf8.filter { $0 > UInt8(ascii: " ") }
            let padding = characters.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            return max(0, characters.count * 3 / 4 - padding)
        }
    }

    /// Reads one block of a message's `content` (or of `system`).
    package init(_ block: JSONValue) {
        if let text = block["text"]?.stringValue {
            self = .text(text)
        } else if let use = block["toolUse"] {
            self = .toolUse(id: use["toolUseId"]?.stringValue, name: use["name"]?.stringValue ?? "?", input: use["input"])
        } else if let result = block["toolResult"] {
            let parts = (result["content"]?.arrayValue ?? []).map { part in part["json"].map(ContentBlock.json) ?? ContentBlock(part) }
            self = .toolResult(id: result["toolUseId"]?.stringValue ?? "?", status: result["status"]?.stringValue, content: parts)
        } else if let (kind, media) = Self.media(block) {
            let source: Media.Source
            if let data = media["source"]?["bytes"]?.stringValue {
                source = .bytes(data)
            } else if let uri = media["source"]?["s3Location"]?["uri"]?.stringValue {
                source = .s3(uri: uri)
            } else {
                source = .none
            }
            self = .media(Media(kind: kind, format: media["format"]?.stringValue, name: media["name"]?.stringValue, source: source))
        } else if let reasoning = block["reasoningContent"] {
            self = .reasoning(reasoning["reasoningText"]?["text"]?.stringValue)
        } else if block["cachePoint"] != nil {
            self = .cachePoint
        } else if let guarded = block["guardContent"]?["text"]?["text"]?.stringValue {
            self = .guarded(guarded)
        } else {
            self = .other(block.objectValue?.first?.key ?? "unknown block")
        }
    }

    private static func media(_ block: JSONValue) -> (String, JSONValue)? {
        for kind in ["image", "document", "video"] {
            if let media = block[kind] { return (kind, media) }
        }
        return nil
    }

    /// The blocks of a `content` (or `system`) array; anything else has none.
    package static func blocks(_ content: JSONValue?) -> [ContentBlock] {
        (content?.arrayValue ?? []).map(ContentBlock.init)
    }
}
