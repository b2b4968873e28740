import Testing
@testable import TapedeckCommand

@Suite struct TimeSpanTests {
    @Test(arguments: [("30d", 2_592_000), ("12h", 43_200), ("90m", 5400), ("45s", 45), ("0s", 0), ("007d", 604_800)])
    func unitsScaleToSeconds(_ text: String, _ seconds: Int) {
        #expect(TimeSpan(text)?.seconds == seconds)
        #expect(TimeSpan(text)?.description == text)
    }

    @Test(arguments: ["", "d", "30", "30w", "-1d", "+1d", "1.5d", "30D", " 30d", "3 0d", "٣d", "99999999999999999999d", "3660001d"])
    func anythingElseIsRefused(_ text: String) {
        #expect(TimeSpan(text) == nil)
    }
}
