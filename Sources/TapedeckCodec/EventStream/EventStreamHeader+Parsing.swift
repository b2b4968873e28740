/// Strict reading of a message's headers region: every length is checked against the region, never read past it.
extension EventStreamHeader {
    /// Parses every header in `region` (exactly the headers region of one message), in order.
    ///
    /// Errors carry `messageOffset` (the stream offset of the message) and name the header and its byte in the
    /// message, e.g. `header ":event-type" at message byte 12: string value needs 17 bytes, only 3 left in the
    /// headers`.
    static func parseAll(
        _ region: UnsafeRawBufferPointer, messageOffset: Int
    ) throws(EventStreamError) -> [EventStreamHeader] {
        var reader = Reader(region: region, messageOffset: messageOffset)
        var headers: [EventStreamHeader] = []
        while reader.index < region.count {
            headers.append(try reader.header(number: headers.count + 1))
        }
        return headers
    }

    /// A cursor over one headers region.
    private struct Reader {
        let region: UnsafeRawBufferPointer
        let messageOffset: Int
        var index = 0
        /// Names the header being read in errors: its number until its name is known, then its name.
        var label = ""

        /// Reads one header: u8 name length, name, u8 type code, value (event-stream encoding).
        mutating func header(number: Int) throws(EventStreamError) -> EventStreamHeader {
            let position = "at message byte \(EventStreamEncoder.preludeLength + index)"
            label = "header \(number) \(position)"
            let nameLength = Int(try take(1, "name length")[0])
            // Event-stream encoding: a header name is 1 to 255 bytes.
            guard nameLength > 0 else { throw fail("empty name") }
            guard let name = String(validating: try take(nameLength, "name"), as: UTF8.self) else {
                throw fail("name is not valid UTF-8")
            }
            label = "header \(EventStreamHeader.quoted(name)) \(position)"
            let code = try take(1, "value type")[0]
            guard let type = EventStreamHeaderValue.WireType(rawValue: code) else {
                throw fail("unknown value type \(code)")
            }
            return EventStreamHeader(name, try value(of: type))
        }

        /// Reads the value that follows a type code; integers are big-endian two's complement.
        private mutating func value(
            of type: EventStreamHeaderValue.WireType
        ) throws(EventStreamError) -> EventStreamHeaderValue {
            switch type {
            case .boolTrue: return .bool(true)
            case .boolFalse: return .bool(false)
            case .byte: return .byte(Int8(bitPattern: try take(1, "int8 value")[0]))
            case .short: return .short(try bigEndian(Int16.self, "int16 value"))
            case .integer: return .integer(try bigEndian(Int32.self, "int32 value"))
            case .long: return .long(try bigEndian(Int64.self, "int64 value"))
            case .timestamp: return .timestamp(try bigEndian(Int64.self, "timestamp value"))
            case .uuid: return .uuid(Array(try take(EventStreamHeaderValue.uuidLength, "uuid value")))
            case .bytes: return .bytes(Array(try variable("bytes")))
            case .string:
                guard let text = String(validating: try variable("string"), as: UTF8.self) else {
                    throw fail("string value is not valid UTF-8")
                }
                return .string(text)
            }
        }

        /// Reads a u16 big-endian length and that many bytes (types 6 and 7).
        private mutating func variable(_ kind: String) throws(EventStreamError) -> UnsafeRawBufferPointer {
            let length = try bigEndian(UInt16.self, "\(kind) length")
            return try take(Int(length), "\(kind) value")
        }

        /// Reads a big-endian integer of `Value`'s width.
        private mutating func bigEndian<Value: FixedWidthInteger>(
            _: Value.Type, _ what: String
        ) throws(EventStreamError) -> Value {
            Value(bigEndian: try take(MemoryLayout<Value>.size, what).loadUnaligned(as: Value.self))
        }

        /// The next `count` bytes of the region, or an error naming what was cut off.
        private mutating func take(_ count: Int, _ what: String) throws(EventStreamError) -> UnsafeRawBufferPointer {
            let left = region.count - index
            guard count <= left else {
                let unit = count == 1 ? "byte" : "bytes"
                throw fail("\(what) needs \(count) \(unit), only \(left) left in the headers")
            }
            defer { index += count }
            return UnsafeRawBufferPointer(rebasing: region[index..<(index + count)])
        }

        private func fail(_ problem: String) -> EventStreamError {
            EventStreamError(offset: messageOffset, reason: "\(label): \(problem)")
        }
    }
}
