import Testing
@testable import TapedeckSystem

@Suite struct MonotonicClockTests {
    @Test func readingsNeverGoBackwards() {
        var previous = MonotonicClock.nanoseconds()
        for _ in 0..<10_000 {
            let now = MonotonicClock.nanoseconds()
            #expect(now >= previous)
            previous = now
        }
    }

    @Test func millisecondsAgreeWithNanoseconds() {
        let before = MonotonicClock.nanoseconds() / 1_000_000
        let milliseconds = MonotonicClock.milliseconds()
        let after = MonotonicClock.nanoseconds() / 1_000_000
        #expect(before <= milliseconds && milliseconds <= after)
    }
}
