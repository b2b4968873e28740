/// Hexadecimal digits in both cases, for escapes, digests and percent-encoding.
package enum HexDigits {
    static let lowerASCII: [UInt8] = Array("0123456789abcdef".utf8)
    package static let upperASCII: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Two uppercase hex digits for `byte`, e.g. `1F`.
    package static func upper(_ byte: UInt8) -> String {
        String(decoding: [upperASCII[Int(byte >> 4)], upperASCII[Int(byte & 0x0F)]], as: UTF8.self)
    }

    /// Four uppercase hex digits for a UTF-16 code unit, e.g. `D83D`.
    static func upper16(_ unit: UInt32) -> String {
        upper(UInt8(truncatingIfNeeded: unit >> 8)) + upper(UInt8(truncatingIfNeeded: unit))
    }

    /// The value of one hex digit of either case, or nil.
    @inline(__always)
    package static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
