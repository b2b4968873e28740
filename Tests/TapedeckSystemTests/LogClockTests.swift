import Testing
@testable import TapedeckSystem

/// The log's clock writes the same RFC 3339 form as `Timestamp.now(milliseconds: true)`.
@Suite struct LogClockTests {
    @Test func writesTheTimestampFormWithMilliseconds() throws {
        var clock = LogClock()
        for _ in 0..<3 {
            let before = Timestamp.now()
            var out: [UInt8] = []
            clock.withText { out.append(contentsOf: $0) }
            let after = Timestamp.now()
            let text = String(decoding: out, as: UTF8.self)
            #expect(text.utf8.count == 24 && text.hasSuffix("Z"), "\(text)")
            // Whole seconds agree with the slow path's, taken just before or just after.
            let seconds = String(text.prefix(19)) + "Z"
            #expect(seconds == before || seconds == after, "\(text) vs \(before) … \(after)")
            #expect(Array(text.utf8)[19] == UInt8(ascii: ".") && text.dropFirst(20).dropLast().allSatisfy(\.isNumber))
        }
    }
}
