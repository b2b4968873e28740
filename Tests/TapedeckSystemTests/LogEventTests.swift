import Testing
@testable import TapedeckSystem
import TapedeckTestSupport

/// A log event written both ways: one line each, the same fields, values that cannot break the line.
@Suite struct LogEventTests {
    private let time = "2026-11-25T17:04:05.123Z"

    /// Events with every kind of value, including ones a naive writer would split or misquote.
    private var events: [LogEvent] {
        [
            LogEvent(.info, "request", [
                LogField("method", "POST"), LogField("path", "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"),
                LogField("model", "us.anthropic.claude-3-5-haiku-20241022-v1:0"), LogField("status", 200),
                LogField("latency_ms", milliseconds: 1_234_567), LogField("namespace", "team-a"),
            ]),
            LogEvent(.warn, "not recorded", [LogField("key", "d42a05c1ffee"), LogField("reason", "upstream answered 429")]),
            LogEvent(.error, "cannot open store", [
                LogField("store", "json:/tmp/a dir"), LogField("error", "line one\nline two\t\"quoted\" \\ back"),
            ]),
            LogEvent(.debug, "store indexed", [LogField("cassettes", 0), LogField("strict", true), LogField("empty", "")]),
            LogEvent(.info, "listening", [LogField("address", "http://[::1]:8787"), LogField("store", "json:Cassettes=é")]),
            LogEvent(.info, "stopped"),
            LogEvent(.warn, "tricky", [LogField("fake", "x level=error msg=forged"), LogField("control", "\u{1B}[31mred\u{7F}")]),
        ]
    }

    @Test func eachFormatIsOneLineWithTheSameFields() throws {
        for event in events {
            let text = event.text(time: time)
            let json = String(decoding: event.json(time: time), as: UTF8.self)
            for line in [text, json] {
                #expect(line.hasSuffix("\n") && line.filter { $0 == "\n" }.count == 1, "\(line)")
            }
            let fromText = try #require(LogLines.text(String(text.dropLast())), "\(text)")
            let fromJSON = try #require(LogLines.json(String(json.dropLast())), "\(json)")
            #expect(fromText == fromJSON, "\(text)\(json)")
            var expected = ["time": time, "level": event.level.rawValue, "msg": event.message]
            for field in event.fields {
                switch field.value {
                case .string(let value): expected[field.name] = value
                case .number(let value): expected[field.name] = value
                case .bool(let flag): expected[field.name] = flag ? "true" : "false"
                default: Issue.record("unexpected value \(field.value)")
                }
            }
            #expect(fromJSON == expected)
        }
    }

    @Test func theTextFormatReadsAsItAlwaysHas() {
        #expect(events[0].text(time: time) == """
            2026-11-25T17:04:05.123Z INFO  request method=POST path=/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse \
            model=us.anthropic.claude-3-5-haiku-20241022-v1:0 status=200 latency_ms=1.2 namespace=team-a

            """)
        #expect(events[1].text(time: time) == #"2026-11-25T17:04:05.123Z WARN  not recorded key=d42a05c1ffee reason="upstream answered 429""# + "\n")
        #expect(events[2].text(time: time)
            == #"2026-11-25T17:04:05.123Z ERROR cannot open store store="json:/tmp/a dir" error="line one\nline two\t\"quoted\" \\ back""# + "\n")
        #expect(events[3].text(time: time) == "2026-11-25T17:04:05.123Z DEBUG store indexed cassettes=0 strict=true empty=\"\"\n")
        #expect(events[5].text(time: time) == "2026-11-25T17:04:05.123Z INFO  stopped\n")
        #expect(events[6].text(time: time)
            == #"2026-11-25T17:04:05.123Z WARN  tricky fake="x level=error msg=forged" control="\u001b[31mred"# + "\u{7F}\"\n")
    }

    @Test func theJSONFormatIsOneCompactObjectInFieldOrder() {
        #expect(String(decoding: events[1].json(time: time), as: UTF8.self) == """
            {"time":"2026-11-25T17:04:05.123Z","level":"warn","msg":"not recorded","key":"d42a05c1ffee","reason":"upstream answered 429"}

            """)
        #expect(String(decoding: events[3].json(time: time), as: UTF8.self) == """
            {"time":"2026-11-25T17:04:05.123Z","level":"debug","msg":"store indexed","cassettes":0,"strict":true,"empty":""}

            """)
    }

    @Test(arguments: [(0 as UInt64, "0.0"), (99_999, "0.0"), (100_000, "0.1"), (1_250_000, "1.2"), (30_000_000_000, "30000.0")])
    func durationsAreMillisecondsWithOneDecimal(_ nanoseconds: UInt64, _ text: String) {
        #expect(LogField("latency_ms", milliseconds: nanoseconds).value == .number(text))
    }

    @Test func levelsAreOrderedBySeriousness() {
        #expect(LogLevel.allCases.sorted() == [.debug, .info, .warn, .error])
        #expect(LogLevel.debug < .info && .info < .warn && .warn < .error)
        #expect(!(LogLevel.error < .error))
    }
}
