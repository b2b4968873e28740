import TapedeckCodec
/// One named value of a log event; the value is a JSON scalar, so the text and JSON formats show the same thing.
public struct LogField: Sendable, Equatable {
    public let name: String
    public let value: JSONValue

    /// A text value.
    public init(_ name: String, _ text: String) {
        self.name = name
        self.value = .string(text)
    }

    /// A whole number.
    public init(_ name: String, _ number: Int) {
        self.name = name
        self.value = .number(String(number))
    }

    /// A yes/no value.
    public init(_ name: String, _ flag: Bool) {
        self.name = name
        self.value = .bool(flag)
    }

    /// A duration in milliseconds with one decimal (`1.2`), from nanoseconds.
    public init(_ name: String, milliseconds nanoseconds: UInt64) {
        let tenths = nanoseconds / 100_000
        self.name = name
        self.value = .number("\(tenths / 10).\(tenths % 10)")
    }
}
