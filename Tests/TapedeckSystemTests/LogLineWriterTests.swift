import Testing
@testable import TapedeckSystem
import TapedeckTestSupport

/// The hot path's line writer gives, byte for byte, the line `LogEvent` renders for the same fields, in both formats.
@Suite struct LogLineWriterTests {
    private let time = "2026-11-25T17:04:05.123Z"

    private func written(_ format: LogFormat, level: LogLevel, _ fields: (inout LogLineWriter) -> Void) -> [UInt8] {
        var out = Array("earlier line\n".utf8)
        var time = self.time
        time.withUTF8 { time in
            LogLineWriter.append(format: format, to: &out) { line in
                line.begin(level: level, message: "request", time: UnsafeRawBufferPointer(time))
                fields(&line)
                line.end()
            }
        }
        #expect(out.starts(with: "earlier line\n".utf8), "the line goes after what was there")
        return Array(out.dropFirst("earlier line\n".utf8.count))
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

    /// Fields are written into room made ahead of them; a line longer than that room, bare or escaped, in either
    /// format, still comes out whole, and the batch holds no room left over.
    @Test func aLineLongerThanItsRoomComesOutWhole() {
        let long = String(repeating: "a1/", count: 1_500)
        let escaped = String(repeating: "q\"", count: 700)
        let event = LogEvent(.info, "request", [
            LogField("path", long), LogField("tricky", escaped), LogField("n", Int.min), LogField("after", "end"),
        ])
        for format in [LogFormat.text, .json] {
            let bytes = written(format, level: .info) { line in
                line.field("path", long)
                line.field("tricky", escaped)
                line.field("n", Int.min)
                line.field("after", "end")
            }
            #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: event.rendered(format, time: time), as: UTF8.self))
            #expect(bytes.last == UInt8(ascii: "\n") && !bytes.contains(0))
        }
    }

    @Test func everyByteIsBareExactlyWhenPrintableASCIIOtherThanSpaceQuoteAndBackslash() {
        for byte in UInt8.min...UInt8.max {
            let expected = byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
            #expect(LogLineWriter.isBare(byte) == expected, "byte \(byte)")
        }
    }

    /// Values are judged eight bytes at a time; each byte in each position of a word, and the tail, is judged as alone.
    @Test func aValueIsBareExactlyWhenEveryByteIs() {
        for byte in UInt8.min...UInt8.max {
            for position in 0..<11 {
                var value = Array("abcdefghijk".utf8)
                value[position] = byte
                let bare = value.withUnsafeBytes { LogLineWriter.isBare($0) }
                #expect(bare == value.allSatisfy(LogLineWriter.isBare), "byte \(byte) at \(position)")
            }
        }
    }
}
