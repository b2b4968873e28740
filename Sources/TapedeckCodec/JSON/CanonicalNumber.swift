/// ECMAScript `Number.prototype.toString` for a double, the number format RFC 8785 §3.2.2.3 prescribes.
enum CanonicalNumber {
    /// The ECMAScript text of `value`, or nil when it is NaN or infinite (RFC 8785 §3.2.2.3 forbids those).
    static func format(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        // ECMA-262 Number::toString step 2: both +0 and -0 print as "0".
        if value == 0 { return "0" }
        let (digits, pointPosition) = shortestDigits(value.magnitude)
        var out: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
        layout(digits: digits, n: pointPosition, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The shortest round-tripping decimal digits `d1…dk` (no leading or trailing zeros) and the `n`
    /// with value = 0.d1…dk × 10^n. Swift's `description` already picks the shortest digits closest to
    /// the double (ECMA-262 Number::toString step 5 and its Note 2); only the layout differs.
    static func shortestDigits(_ magnitude: Double) -> (digits: [UInt8], n: Int) {
        let text = Array(magnitude.description.utf8)
        var exponent = 0
        var mantissaEnd = text.count
        if let e = text.firstIndex(of: UInt8(ascii: "e")) {
            mantissaEnd = e
            var sign = 1
            for byte in text[(e + 1)...] {
                switch byte {
                case UInt8(ascii: "-"): sign = -1
                case UInt8(ascii: "0")...UInt8(ascii: "9"): exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                default: continue
                }
            }
            exponent *= sign
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in text[..<mantissaEnd] {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
                continue
            }
            digits.append(byte)
            if !seenPoint { integerDigits += 1 }
        }
        var n = integerDigits + exponent
        let leadingZeros = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leadingZeros)
        n -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, n)
    }

    /// ECMA-262 Number::toString steps 6–10: places the digits for value = 0.d1…dk × 10^n.
    static func layout(digits: [UInt8], n: Int, into out: inout [UInt8]) {
        let k = digits.count
        let zero = UInt8(ascii: "0")
        if k <= n && n <= 21 {
            // Step 6: an integer, padded with zeros (123456789012345680000).
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(zero, count: n - k))
        } else if 0 < n && n <= 21 {
            // Step 7: the point falls inside the digits (333333333.3333333).
            out.append(contentsOf: digits[..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            // Step 8: a small fraction written out (0.000001).
            out.append(contentsOf: [zero, UInt8(ascii: ".")])
            out.append(contentsOf: repeatElement(zero, count: -n))
            out.append(contentsOf: digits)
        } else {
            // Steps 9–10: exponent form with an explicit sign (1e+21, 9.999999999999997e-7).
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(n - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            out.append(contentsOf: String((n - 1).magnitude).utf8)
        }
    }
}
