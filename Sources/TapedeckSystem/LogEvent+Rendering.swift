import TapedeckCodec
/// The two ways a `LogEvent` is written, each exactly one line with the same fields: `time`, `level`, `msg`, then
/// the event's own.
extension LogEvent {
    /// The event in `format` at `time` (an RFC 3339 timestamp), newline included.
    public func rendered(_ format: LogFormat, time: String) -> [UInt8] {
        switch format {
        case .text: return Array(text(time: time).utf8)
        case .json: return json(time: time)
        }
    }

    /// `2026-11-25T17:04:05.123Z WARN  not recorded key=d42a05c1 reason="upstream answered 429"` and a newline.
    ///
    /// A value is written bare when it is printable ASCII without spaces, quotes or backslashes, and otherwise as a
    /// JSON string, so a value can never break the line or fake another field.
    public func text(time: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64 + fields.count * 24)
        out.append(contentsOf: time.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: level.label.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: message.utf8)
        for field in fields {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: field.name.utf8)
            out.append(UInt8(ascii: "="))
            Self.appendText(field.value, to: &out)
        }
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"time":"…","level":"warn","msg":"not recorded","key":"d42a05c1",…}` and a newline, written by `JSONWriter`.
    public func json(time: String) -> [UInt8] {
        var members = [
            JSONMember("time", .string(time)), JSONMember("level", .string(level.rawValue)), JSONMember("msg", .string(message)),
        ]
        members.reserveCapacity(3 + fields.count)
        for field in fields { members.append(JSONMember(field.name, field.value)) }
        var out = JSONWriter.compact(.object(members))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    private static func appendText(_ value: JSONValue, to out: inout [UInt8]) {
        guard case .string(let text) = value else {
            JSONWriter.compact(value, into: &out)
            return
        }
        let bare = !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
        }
        if bare { out.append(contentsOf: text.utf8) } else { JSONWriter.appendString(text, to: &out) }
    }
}
