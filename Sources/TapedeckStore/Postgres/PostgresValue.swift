/// A statement parameter, always sent in binary with its type named, so nothing is quoted into SQL and a body's
/// bytes arrive as they are.
enum PostgresValue {
    case text(String)
    case bytes([UInt8])
    case int64(Int64)

    /// The type's OID (`pg_type.oid`): text, bytea, int8.
    var oid: UInt32 {
        switch self {
        case .text: return 25
        case .bytes: return 17
        case .int64: return 20
        }
    }

    /// The binary send format: text as its UTF-8 bytes, bytea as is, int8 as 8 bytes big-endian.
    var encodedCount: Int {
        switch self {
        case .text(let text): return text.utf8.count
        case .bytes(let bytes): return bytes.count
        case .int64: return 8
        }
    }

    /// Appends the binary send format to `buffer`.
    func encode(into buffer: inout [UInt8]) {
        switch self {
        case .text(let text): buffer.append(contentsOf: text.utf8)
        case .bytes(let bytes): buffer.append(contentsOf: bytes)
        case .int64(let value):
            let bits = UInt64(bitPattern: value)
            for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        }
    }
}
