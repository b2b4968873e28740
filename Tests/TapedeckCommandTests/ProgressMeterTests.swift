import Testing
@testable import TapedeckCommand

@Suite struct ProgressMeterTests {
    /// Collects what a meter writes.
    private final class Sink: @unchecked Sendable {
        var written: [String] = []
    }

    @Test func theBarFillsWithAnArrowAtItsFront() {
        #expect(ProgressMeter.bar(done: 0, total: 10, width: 10) == "[>         ]")
        #expect(ProgressMeter.bar(done: 5, total: 10, width: 10) == "[=====>    ]")
        #expect(ProgressMeter.bar(done: 512, total: 1000, width: 10) == "[=====>    ]")
        #expect(ProgressMeter.bar(done: 10, total: 10, width: 10) == "[==========]")
        #expect(ProgressMeter.bar(done: 3, total: 0, width: 4) == "[====]")
    }

    @Test func onATerminalTheLineIsRedrawnOnlyWhenItChangesThenEnded() {
        let sink = Sink()
        var meter = ProgressMeter(total: 3, label: "exporting", redraws: true) { sink.written.append($0) }
        for done in [1, 1, 2, 3] { meter.show(done) }
        meter.finish()
        let bars = [1, 2, 3].map { "\r" + "exporting \(ProgressMeter.bar(done: $0, total: 3)) \($0)/3" }
        #expect(sink.written == bars + ["\n"])
    }

    @Test func elsewhereALineIsWrittenEachTimeAnotherTenthIsDone() {
        let sink = Sink()
        var meter = ProgressMeter(total: 1000, label: "importing", redraws: false) { sink.written.append($0) }
        for done in 1...1000 { meter.show(done) }
        meter.finish()
        #expect(sink.written == (1...10).map { "importing \($0 * 100)/1000\n" })
    }

    @Test func nothingToCopyWritesNothing() {
        let sink = Sink()
        var meter = ProgressMeter(total: 0, label: "exporting", redraws: true) { sink.written.append($0) }
        meter.show(0)
        meter.finish()
        #expect(sink.written.isEmpty)
    }
}
