import Glibc
import TapedeckCodec

/// Renders one log line straight into a byte buffer, in the text or JSON format, the same bytes `LogEvent.rendered`
/// gives for the same fields, but with no `String`, array of fields or JSON value made: what the per-request line
/// uses on the hot path.
///
/// The line is written into `room`, scratch memory its owner lends (the log keeps one, used under its lock), a
/// pointer copy per piece; a line longer than the room spills into an array and still comes out whole.
///
/// `begin`, then the fields in order, then `end`, then `appendLine(to:)`. Names are ASCII words; values follow
/// `LogEvent`'s rules (text: bare when printable ASCII without spaces, quotes or backslashes, else a JSON string;
/// JSON: strings escaped, numbers bare).
public struct LogLineWriter {
    public let format: LogFormat
    private let room: UnsafeMutableRawBufferPointer
    /// How many bytes of `room` the line fills.
    private var used = 0
    /// The whole line so far, once it outgrew `room`; every later piece goes here.
    private var spill: [UInt8]?

    /// A writer filling `room`, which must outlive it.
    public init(format: LogFormat, room: UnsafeMutableRawBufferPointer) {
        self.format = format
        self.room = room
    }

    /// Renders one line with `render` (which calls `begin`, the fields and `end`) and appends it to `out`, using
    /// scratch memory of its own: for lines off the hot path.
    public static func append(format: LogFormat, to out: inout [UInt8], _ render: (inout LogLineWriter) -> Void) {
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 16) { room in
            var line = LogLineWriter(format: format, room: room)
            render(&line)
            line.appendLine(to: &out)
        }
    }

    /// Appends the line written so far to `out`.
    public func appendLine(to out: inout [UInt8]) {
        if let spill {
            out.append(contentsOf: spill)
        } else if used > 0 {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: room[0..<used]))
        }
    }

    /// Starts a line: `time` (the RFC 3339 timestamp), level and message.
    public mutating func begin(level: LogLevel, message: StaticString, time: UnsafeRawBufferPointer) {
        switch format {
        case .text:
            put(time)
            put(UInt8(ascii: " "))
            put(level.label)
            put(UInt8(ascii: " "))
            put(message)
        case .json:
            put(#"{"time":""# as StaticString)
            put(time)
            put(#"","level":""# as StaticString)
            put(level.rawValue)
            put(#"","msg":""# as StaticString)
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
        if format == .text && !value.isEmpty && Self.isBare(UnsafeRawBufferPointer(value)) {
            return put(UnsafeRawBufferPointer(value))
        }
        if !value.contains(where: JSONWriter.needsEscape) {
            // A JSON string with nothing to escape (every value of a usual request line): its quotes around it.
            put(UInt8(ascii: "\""))
            put(UnsafeRawBufferPointer(value))
            return put(UInt8(ascii: "\""))
        }
        var quoted: [UInt8] = []
        JSONWriter.appendString(utf8: value, to: &quoted)
        quoted.withUnsafeBytes { put($0) }
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
    }

    /// Whether every byte of `value` is bare: eight at a time, then one at a time.
    static func isBare(_ value: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index + 8 <= value.count {
            let word = ByteWord.load(value, at: index)
            if ByteWord.hasNonASCII(word) || ByteWord.hasASCII(word, below: 0x21) || ByteWord.has(word, byte: 0x7F)
                || ByteWord.has(word, byte: UInt8(ascii: "\"")) || ByteWord.has(word, byte: UInt8(ascii: "\\")) {
                return false
            }
            index += 8
        }
        while index < value.count {
            if !isBare(value[index]) { return false }
            index += 1
        }
        return true
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
            put(#",""# as StaticString)
            put(name)
            put(#"":"# as StaticString)
        }
    }

    @inline(__always)
    private mutating func put(_ source: UnsafeRawBufferPointer) {
        guard spill == nil && used + source.count <= room.count else { return spilled(source) }
        guard let base = source.baseAddress, !source.isEmpty else { return }
        (room.baseAddress! + used).copyMemory(from: base, byteCount: source.count)
        used += source.count
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        guard spill == nil && used < room.count else { return spilled(CollectionOfOne(byte)) }
        room[used] = byte
        used += 1
    }

    /// The slow way, once the line outgrew its room.
    @inline(never)
    private mutating func spilled<Bytes: Sequence<UInt8>>(_ source: Bytes) {
        if spill == nil { spill = Array(UnsafeRawBufferPointer(rebasing: room[0..<used])) }
        spill!.append(contentsOf: source)
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
