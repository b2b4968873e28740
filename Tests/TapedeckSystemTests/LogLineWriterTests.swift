import Testing
@testable import TapedeckSystem
import TapedeckTestSupport

/// The hot path's line writer gives, byte for byte, the line `LogEvent` renders for the same fields, in both formats.
@Suite struct LogLineWriterTests {
    private let time = "2026-11-25T17:04:05.123Z"

    private func written(_ format: LogFormat, level: LogLevel, _ fields: (inout LogLineWriter) -> Void) -> [UInt8] {
        var line = LogLineWriter(format: format, bytes: Array("earlier line\n".utf8))
        line.begin(level: level, message: "request") { $0.append(contentsOf: time.utf8) }
        fields(&line)
        line.end()
        return Array(line.bytes.dropFirst("earlier line\n".utf8.count))
    }

    @Test func sameBytesAsTheEventRenderingForEveryKindOfValue() {
        let path: Substring = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse?x=1".split(separator: "?")[0]
        let tricky = "x level=error msg=forged \"q\" \\ line\nbreak \u{1B}[31m é"
        let event = LogEvent(.warn, "request", [
            LogField("method", "POST"), LogField("path", String(path)), LogField("empty", ""), LogField("tricky", tricky),
            LogField("status", 200), LogField("negative", -42), LogField("zero", 0),
            LogField("latency_ms", milliseconds: 1_234_567), LogField("fast_ms", milliseconds: 99_999),
        ])
        for format in [LogFormat.text, .json] {
            let bytes = written(format, level: .warn) { line in
                line.field("method", "POST")
                line.field("path", path)
                line.field("empty", "")
                line.field("tricky", tricky)
                line.field("status", 200)
                line.field("negative", -42)
                line.field("zero", 0)
                line.field("latency_ms", milliseconds: 1_234_567)
                line.field("fast_ms", milliseconds: 99_999)
            }
            #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: event.rendered(format, time: time), as: UTF8.self))
        }
    }

    @Test func aJSONLineParsesWithItsFields() throws {
        let bytes = written(.json, level: .info) { line in
            line.field("path", "/a \"b\"\n")
            line.field("bytes_out", Int.max)
        }
        let fields = try #require(LogLines.json(String(decoding: bytes.dropLast(), as: UTF8.self)))
        #expect(fields == ["time": time, "level": "info", "msg": "request", "path": "/a \"b\"\n", "bytes_out": "\(Int.max)"])
    }
}
