import Glibc
import TapedeckCodec

/// Renders one log line straight into a byte buffer, in the text or JSON format, the same bytes `LogEvent.rendered`
/// gives for the same fields, but with no `String`, array of fields or JSON value made: what the per-request line
/// uses on the hot path.
///
/// `begin`, then the fields in order, then `end`. Names are ASCII words; values follow `LogEvent`'s rules (text:
/// bare when printable ASCII without spaces, quotes or backslashes, else a JSON string; JSON: strings escaped,
/// numbers bare).
public struct LogLineWriter {
    /// The bytes written so far (the line is appended to what was there).
    public var bytes: [UInt8]
    public let format: LogFormat

    /// A writer appending to `bytes`.
    public init(format: LogFormat, bytes: [UInt8]) {
        self.format = format
        self.bytes = bytes
    }

    /// Starts a line: time (`time` appends the RFC 3339 timestamp), level and message.
    public mutating func begin(level: LogLevel, message: StaticString, time: (inout [UInt8]) -> Void) {
        switch format {
        case .text:
            time(&bytes)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: level.label.utf8)
            bytes.append(UInt8(ascii: " "))
            append(message)
        case .json:
            bytes.append(contentsOf: #"{"time":""#.utf8)
            time(&bytes)
            bytes.append(contentsOf: #"","level":""#.utf8)
            bytes.append(contentsOf: level.rawValue.utf8)
            bytes.append(contentsOf: #"","msg":""#.utf8)
            append(message)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// A text field.
    public mutating func field(_ name: StaticString, _ value: String) {
        var value = value
        value.withUTF8 { field(name, utf8: $0) }
    }

    /// A text field from part of a string.
    public mutating func field(_ name: StaticString, _ value: Substring) {
        var value = value
        value.withUTF8 { field(name, utf8: $0) }
    }

    /// A text field from UTF-8 bytes.
    public mutating func field(_ name: StaticString, utf8 value: UnsafeBufferPointer<UInt8>) {
        fieldName(name)
        let bare = format == .text && !value.isEmpty && value.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
        }
        if bare { bytes.append(contentsOf: value) } else { JSONWriter.appendString(utf8: value, to: &bytes) }
    }

    /// A whole number.
    public mutating func field(_ name: StaticString, _ number: Int) {
        fieldName(name)
        Self.appendDecimal(number, to: &bytes)
    }

    /// A duration in milliseconds with one decimal (`1.2`), from nanoseconds, as `LogField(_:milliseconds:)`.
    public mutating func field(_ name: StaticString, milliseconds nanoseconds: UInt64) {
        fieldName(name)
        let tenths = nanoseconds / 100_000
        Self.appendDecimal(Int(tenths / 10), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(tenths % 10))
    }

    /// Ends the line (newline included).
    public mutating func end() {
        if format == .json { bytes.append(UInt8(ascii: "}")) }
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func fieldName(_ name: StaticString) {
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            append(name)
            bytes.append(UInt8(ascii: "="))
        case .json:
            bytes.append(contentsOf: #",""#.utf8)
            append(name)
            bytes.append(contentsOf: #"":"#.utf8)
        }
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `value` in decimal, a minus sign first when negative.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }
}
