/// One named, typed header of an event-stream message; a message keeps its headers in wire order.
public struct EventStreamHeader: Sendable, Equatable {
    /// The header name, 1 to 255 bytes of UTF-8, e.g. `:event-type`; compared byte for byte.
    public var name: String
    /// The typed value.
    public var value: EventStreamHeaderValue

    /// Longest header name: its length travels as a u8.
    public static let maxNameLength = Int(UInt8.max)

    /// Creates a header.
    public init(_ name: String, _ value: EventStreamHeaderValue) {
        self.name = name
        self.value = value
    }

    /// Bytes this header takes on the wire: name length, name, type code, value.
    public var encodedLength: Int {
        1 + name.utf8.count + 1 + value.valueLength
    }

    /// Why the wire cannot carry this header, or nil when it can.
    var encodingProblem: String? {
        let nameLength = name.utf8.count
        // Event-stream encoding: the name length is a u8, and a zero length is not a header.
        if nameLength == 0 {
            return "header name is empty"
        }
        if nameLength > Self.maxNameLength {
            return "header name \(Self.quoted(name)) is \(nameLength) bytes (at most \(Self.maxNameLength))"
        }
        if let problem = value.encodingProblem {
            return "header \(Self.quoted(name)): \(problem)"
        }
        return nil
    }

    /// Appends the name length, the name and the typed value; the caller has checked `encodingProblem`.
    func write(into out: inout [UInt8]) {
        out.append(UInt8(name.utf8.count))
        out.append(contentsOf: name.utf8)
        value.write(into: &out)
    }

    /// A name for error messages: quoted, and cut short when long.
    static func quoted(_ name: String) -> String {
        let limit = 40
        guard name.count > limit else { return "\"\(name)\"" }
        return "\"\(name.prefix(limit))…\""
    }
}
