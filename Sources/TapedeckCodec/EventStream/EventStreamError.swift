/// A malformed event stream (with the stream offset of the message at fault), or a message that cannot be encoded.
public struct EventStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, e.g. `prelude CRC mismatch (expected 0xc37babff, got 0x00000000)`.
    public let reason: String
    /// Stream offset of the first byte of the message at fault, or `EventStreamError.notInStream` for encoding.
    public let offset: Int

    /// The `offset` of an error raised while encoding a message rather than while reading a stream.
    public static let notInStream = -1

    /// Creates a decoding error for the message starting at stream byte `offset`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// Creates an error raised while encoding a message.
    public static func encoding(_ reason: String) -> EventStreamError {
        EventStreamError(offset: notInStream, reason: reason)
    }

    /// Whether the error came from encoding a message rather than from reading a stream.
    public var isEncodingError: Bool { offset == Self.notInStream }

    /// A checksum that does not match: `prelude CRC mismatch (expected 0xc37babff, got 0x00000000)`, where
    /// `expected` is computed over the bytes received and `got` is the CRC the stream carried.
    static func crcMismatch(_ what: String, offset: Int, expected: UInt32, got: UInt32) -> EventStreamError {
        EventStreamError(offset: offset, reason: "\(what) CRC mismatch (expected \(hex(expected)), got \(hex(got)))")
    }

    /// A CRC as error messages show it: `0x` and eight lowercase hex digits.
    static func hex(_ value: UInt32) -> String {
        var digits: [UInt8] = Array("0x".utf8)
        for shift in stride(from: 28, through: 0, by: -4) {
            digits.append(HexDigits.lowerASCII[Int((value >> UInt32(shift)) & 0xF)])
        }
        return String(decoding: digits, as: UTF8.self)
    }

    /// `event stream at byte N: reason`, or `cannot encode event stream message: reason`.
    public var description: String {
        if isEncodingError { return "cannot encode event stream message: \(reason)" }
        return "event stream at byte \(offset): \(reason)"
    }
}
