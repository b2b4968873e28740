/// The typed value of one event-stream header, one case per wire type code (AWS event-stream encoding).
public enum EventStreamHeaderValue: Sendable, Equatable {
    /// Wire types 0 (true) and 1 (false); no value bytes follow the type.
    case bool(Bool)
    /// Wire type 2: a signed byte.
    case byte(Int8)
    /// Wire type 3: a big-endian 16-bit signed integer.
    case short(Int16)
    /// Wire type 4: a big-endian 32-bit signed integer.
    case integer(Int32)
    /// Wire type 5: a big-endian 64-bit signed integer.
    case long(Int64)
    /// Wire type 6: opaque bytes behind a big-endian 16-bit length.
    case bytes([UInt8])
    /// Wire type 7: UTF-8 text behind a big-endian 16-bit length; the only type Bedrock sends.
    case string(String)
    /// Wire type 8: milliseconds since the Unix epoch as a big-endian 64-bit signed integer.
    case timestamp(Int64)
    /// Wire type 9: a UUID as exactly 16 raw bytes.
    case uuid([UInt8])

    /// The wire type codes, numbered as the event-stream encoding numbers them.
    enum WireType: UInt8 {
        case boolTrue = 0, boolFalse, byte, short, integer, long, bytes, string, timestamp, uuid
    }

    /// Longest `bytes` or `string` value: its length travels as a u16.
    public static let maxVariableLength = Int(UInt16.max)

    /// Length of a `uuid` value on the wire.
    public static let uuidLength = 16

    /// The wire type code this value is written with.
    var wireType: WireType {
        switch self {
        case .bool(let value): value ? .boolTrue : .boolFalse
        case .byte: .byte
        case .short: .short
        case .integer: .integer
        case .long: .long
        case .bytes: .bytes
        case .string: .string
        case .timestamp: .timestamp
        case .uuid: .uuid
        }
    }

    /// Bytes the value takes on the wire after its type code (length prefix included).
    var valueLength: Int {
        switch self {
        case .bool: 0
        case .byte: 1
        case .short: 2
        case .integer: 4
        case .long, .timestamp: 8
        case .bytes(let bytes): 2 + bytes.count
        case .string(let text): 2 + text.utf8.count
        case .uuid(let bytes): bytes.count
        }
    }

    /// Why the wire cannot carry this value, or nil when it can.
    var encodingProblem: String? {
        switch self {
        case .bytes(let bytes) where bytes.count > Self.maxVariableLength:
            // Event-stream encoding: type 6 and 7 lengths are u16.
            "bytes value is \(bytes.count) bytes (at most \(Self.maxVariableLength))"
        case .string(let text) where text.utf8.count > Self.maxVariableLength:
            "string value is \(text.utf8.count) bytes of UTF-8 (at most \(Self.maxVariableLength))"
        case .uuid(let bytes) where bytes.count != Self.uuidLength:
            "uuid value is \(bytes.count) bytes (must be exactly \(Self.uuidLength))"
        default:
            nil
        }
    }

    /// Appends the type code and the value; the caller has checked `encodingProblem`.
    func write(into out: inout [UInt8]) {
        out.append(wireType.rawValue)
        switch self {
        case .bool: break
        case .byte(let value): out.append(UInt8(bitPattern: value))
        case .short(let value): EventStreamEncoder.appendBigEndian(value, to: &out)
        case .integer(let value): EventStreamEncoder.appendBigEndian(value, to: &out)
        case .long(let value), .timestamp(let value): EventStreamEncoder.appendBigEndian(value, to: &out)
        case .bytes(let bytes):
            EventStreamEncoder.appendBigEndian(UInt16(bytes.count), to: &out)
            out.append(contentsOf: bytes)
        case .string(let text):
            EventStreamEncoder.appendBigEndian(UInt16(text.utf8.count), to: &out)
            out.append(contentsOf: text.utf8)
        case .uuid(let bytes): out.append(contentsOf: bytes)
        }
    }
}
