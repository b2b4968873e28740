import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct CanonicalNumberTests {
    /// RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialization.
    static let appendixB: [(UInt64, String)] = [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
        (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
        (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"),
        (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"),
        (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"),
        (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
    ]

    @Test func matchesRFC8785AppendixB() {
        for (bits, expected) in Self.appendixB {
            #expect(CanonicalNumber.format(Double(bitPattern: bits)) == expected, "0x\(String(bits, radix: 16))")
        }
    }

    @Test func refusesNaNAndInfinities() {
        // RFC 8785 Appendix B lists 7fffffffffffffff (NaN) and 7ff0000000000000 (Infinity) as errors.
        #expect(CanonicalNumber.format(Double(bitPattern: 0x7FFF_FFFF_FFFF_FFFF)) == nil)
        #expect(CanonicalNumber.format(Double(bitPattern: 0x7FF0_0000_0000_0000)) == nil)
        #expect(CanonicalNumber.format(-.infinity) == nil)
    }

    @Test(arguments: [
        (1.0, "1"), (-1.0, "-1"), (100.0, "100"), (0.5, "0.5"), (1.5e-7, "1.5e-7"), (1e-7, "1e-7"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (1.2345678901234568e20, "123456789012345680000"),
        (123.456, "123.456"), (0.1, "0.1"), (1e-6, "0.000001"), (1.5e300, "1.5e+300"), (-0.0, "0"),
        (4.5, "4.5"), (2e-3, "0.002"), (1e30, "1e+30"), (1e-27, "1e-27"), (0.7, "0.7"), (250.0, "250"),
    ] as [(Double, String)])
    func laysOutDigitsAsECMAScriptDoes(_ value: Double, _ expected: String) {
        #expect(CanonicalNumber.format(value) == expected)
    }

    @Test func roundTripsRandomDoubles() {
        var generator = ConverseFixtures.SeededGenerator(state: 8785)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = CanonicalNumber.format(value)
            #expect(text.flatMap(Double.init) == (value == 0 ? 0 : value), "\(value)")
        }
    }
}
