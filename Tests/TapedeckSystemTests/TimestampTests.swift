import Testing
@testable import TapedeckSystem

@Suite struct TimestampTests {
    // Expected values computed independently with Python's datetime.
    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (1_000_000_000, "2001-09-09T01:46:40Z"),
        (1_234_567_890, "2009-02-13T23:31:30Z"),
        (1_709_251_199, "2024-02-29T23:59:59Z"),
        (1_709_251_200, "2024-03-01T00:00:00Z"),
        (2_147_483_647, "2038-01-19T03:14:07Z"),
        (2_147_483_648, "2038-01-19T03:14:08Z"),
        (4_107_542_400, "2100-03-01T00:00:00Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (-62_135_596_800, "0001-01-01T00:00:00Z"),
    ])
    func formatsKnownSecondsAsRFC3339(_ seconds: Int, _ expected: String) {
        #expect(Timestamp.format(seconds: seconds) == expected)
    }

    @Test(arguments: [(0, ".000Z"), (5, ".005Z"), (50, ".050Z"), (999, ".999Z")])
    func millisecondsAreAlwaysThreeDigits(_ milliseconds: Int, _ suffix: String) {
        #expect(Timestamp.format(seconds: 951_782_400, milliseconds: milliseconds) == "2000-02-29T00:00:00" + suffix)
    }

    @Test func nowHasTheRightShape() throws {
        // RFC 3339 §5.6 date-time in UTC: YYYY-MM-DDTHH:MM:SS[.fff]Z.
        let seconds = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
        #expect(Timestamp.now().wholeMatch(of: try Regex(seconds + "Z")) != nil)
        #expect(Timestamp.now(milliseconds: true).wholeMatch(of: try Regex(seconds + "\\.[0-9]{3}Z")) != nil)
    }
}
