import Foundation
import Glibc
import Testing
@testable import Tapedeck

@Suite struct RequestLogTests {
    /// What `body` wrote through a log on a temporary file.
    static func written(_ body: (RequestLog) -> Void) throws -> String {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let fd = open(scratch("log"), O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        body(RequestLog(fd: fd))
        close(fd)
        return String(decoding: try CassetteFixtures.read(scratch("log")), as: UTF8.self)
    }

    @Test func aMessageWithLineBreaksStaysOneLine() throws {
        let text = try Self.written { $0.line("error: store t.db: INSERT INTO t\n  VALUES(?1)\r\nforged line") }
        #expect(text.split(separator: "\n").count == 1, "\(text)")
        #expect(text.hasSuffix(" error: store t.db: INSERT INTO t   VALUES(?1)  forged line\n"), "\(text)")
    }

    @Test func aDisabledLogWritesNothing() throws {
        #expect(try Self.written { _ in } == "")
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let fd = open(scratch("log"), O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        RequestLog(enabled: false, fd: fd).line("never")
        close(fd)
        #expect(try CassetteFixtures.read(scratch("log")).isEmpty)
    }
}
