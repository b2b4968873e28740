import Testing
@testable import TapedeckSystem

@Suite struct TimestampParseTests {
    @Test(arguments: [0, 951_782_400, 1_709_251_199, 2_147_483_648, 253_402_300_799, -1, -62_135_596_800])
    func parsesWhatFormatWrites(_ seconds: Int) {
        #expect(Timestamp.parse(Timestamp.format(seconds: seconds)) == seconds)
        #expect(Timestamp.parse(Timestamp.format(seconds: seconds, milliseconds: 123)) == seconds)
    }

    // Expected values computed independently with Python's datetime.
    @Test(arguments: [
        ("2025-03-01T09:00:00+01:00", 1_740_816_000),
        ("2025-03-01T08:00:00-00:30", 1_740_817_800),
        ("2025-03-01t08:00:00z", 1_740_816_000),
        ("2016-12-31T23:59:60Z", 1_483_228_799),
    ])
    func offsetsCaseAndLeapSeconds(_ text: String, _ seconds: Int) {
        #expect(Timestamp.parse(text) == seconds)
    }

    @Test(arguments: [
        "", "2025-03-01", "2025-03-01T09:00Z", "2025-02-30T00:00:00Z", "2025-13-01T00:00:00Z", "2025-03-01T24:00:00Z",
        "2025-03-01T09:00:00", "2025-03-01T09:00:00.Z", "2025-03-01T09:00:00+0100", "2025-03-01T09:00:00Z ", "２025-03-01T09:00:00Z",
    ])
    func refusesWhatIsNotAnRFC3339DateTime(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
