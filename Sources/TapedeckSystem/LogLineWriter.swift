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
    /// The bytes written so far (the line is appended to what was there). Between `begin` and `end` it also holds
    /// zeroed room for the fields past `used`, written through a pointer rather than appended piece by piece.
    public var bytes: [UInt8]
    public let format: LogFormat
    /// How many of `bytes` are the log's; the rest is room.
    private var used: Int

    /// A writer appending to `bytes`.
    public init(format: LogFormat, bytes: [UInt8]) {
        self.format = format
        self.bytes = bytes
        used = bytes.count
    }

    /// Starts a line: time (`time` appends the RFC 3339 timestamp), level and message.
    public mutating func begin(level: LogLevel, message: StaticString, time: (inout [UInt8]) -> Void) {
        // Whatever `bytes` holds now (callers swap a batch in) is the log's: the line starts after it.
        switch format {
        case .text:
            time(&bytes)
            used = bytes.count
            put(UInt8(ascii: " "))
            put(level.label)
            put(UInt8(ascii: " "))
            put(message)
        case .json:
            bytes.append(contentsOf: #"{"time":""#.utf8)
            time(&bytes)
            used = bytes.count
            put(#"","level":""#)
            put(level.rawValue)
            put(#"","msg":""#)
            put(message)
            put(UInt8(ascii: "\""))
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
        let bare = format == .text && !value.isEmpty && value.allSatisfy(Self.isBare)
        if bare {
            put(UnsafeRawBufferPointer(value))
        } else {
            settle()
            JSONWriter.appendString(utf8: value, to: &bytes)
            used = bytes.count
        }
    }

    /// A whole number.
    public mutating func field(_ name: StaticString, _ number: Int) {
        fieldName(name)
        putDecimal(number)
    }

    /// A duration in milliseconds with one decimal (`1.2`), from nanoseconds, as `LogField(_:milliseconds:)`.
    public mutating func field(_ name: StaticString, milliseconds nanoseconds: UInt64) {
        fieldName(name)
        let tenths = nanoseconds / 100_000
        putDecimal(Int(tenths / 10))
        put(UInt8(ascii: "."))
        put(UInt8(ascii: "0") + UInt8(tenths % 10))
    }

    /// Ends the line (newline included).
    public mutating func end() {
        if format == .json { put(UInt8(ascii: "}")) }
        put(UInt8(ascii: "\n"))
        settle()
    }

    /// Printable ASCII other than space, `"` and `\\`: a bit per byte below 128, one word per 64 bytes.
    @inline(__always)
    static func isBare(_ byte: UInt8) -> Bool {
        let word: UInt64 = byte < 64 ? 0xFFFF_FFFA_0000_0000 : 0x7FFF_FFFF_EFFF_FFFF
        return byte < 128 && (word >> UInt64(byte & 63)) & 1 == 1
    }

    private mutating func fieldName(_ name: StaticString) {
        switch format {
        case .text:
            put(UInt8(ascii: " "))
            put(name)
            put(UInt8(ascii: "="))
        case .json:
            put(#",""#)
            put(name)
            put(#"":"#)
        }
    }

    /// Gives back the room not written, so `bytes` holds exactly the log's bytes.
    private mutating func settle() {
        if bytes.count > used { bytes.removeLast(bytes.count - used) }
    }

    /// Makes room for at least `count` more bytes past `used`.
    @inline(__always)
    private mutating func reserve(_ count: Int) {
        if bytes.count - used < count { grow(count) }
    }

    @inline(never)
    private mutating func grow(_ count: Int) {
        bytes.append(contentsOf: repeatElement(0, count: max(count, 512)))
    }

    @inline(__always)
    private mutating func put(_ source: UnsafeRawBufferPointer) {
        guard let base = source.baseAddress, !source.isEmpty else { return }
        reserve(source.count)
        let at = used
        bytes.withUnsafeMutableBytes { ($0.baseAddress! + at).copyMemory(from: base, byteCount: source.count) }
        used += source.count
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        reserve(1)
        let at = used
        bytes.withUnsafeMutableBufferPointer { $0[at] = byte }
        used += 1
    }

    private mutating func put(_ text: StaticString) {
        put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
    }

    /// Writes `value` in decimal, a minus sign first when negative.
    private mutating func putDecimal(_ value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var magnitude = value.magnitude
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            put(UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }
}
