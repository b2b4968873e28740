import Foundation
import Glibc
import Testing
@testable import TapedeckCommand
import TapedeckTestSupport

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
        var meter = ProgressMeter(total: 3, label: "exporting", shows: true) { sink.written.append($0) }
        for done in [1, 1, 2, 3] { meter.show(done) }
        meter.finish()
        let bars = [1, 2, 3].map { "\r" + "exporting \(ProgressMeter.bar(done: $0, total: 3)) \($0)/3" }
        #expect(sink.written == bars + ["\n"])
    }

    @Test func elsewhereNothingIsWritten() {
        let sink = Sink()
        var meter = ProgressMeter(total: 1000, label: "importing", shows: false) { sink.written.append($0) }
        for done in 1...1000 { meter.show(done) }
        meter.finish()
        #expect(sink.written.isEmpty)
    }

    @Test func nothingToCopyWritesNothing() {
        let sink = Sink()
        var meter = ProgressMeter(total: 0, label: "exporting", shows: true) { sink.written.append($0) }
        meter.show(0)
        meter.finish()
        #expect(sink.written.isEmpty)
    }

    /// The real binary decides by its stderr: a terminal (a pseudo-terminal here) gets the bar, a pipe gets nothing;
    /// the summary reaches stdout either way.
    @Test func theBinaryDrawsTheBarOnlyOnATerminal() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CommandFixtures.store(at: scratch("source"))
        let arguments = ["export", "--to", "json:\(scratch("copy"))", "--store", "json:\(scratch("source"))"]
        let terminal = try await onOwnThread { try Self.runWithStderrOnATerminal(arguments) }
        #expect(terminal.status == 0)
        #expect(terminal.stdout == "exported 5 cassettes to json:\(scratch("copy"))\n")
        // The terminal turns the final "\n" into "\r\n" (ONLCR).
        #expect(terminal.stderr.hasSuffix("\rexporting \(ProgressMeter.bar(done: 5, total: 5)) 5/5\r\n"), "\(terminal.stderr.debugDescription)")

        let piped = try await CommandRunner.run(["export", "--to", "json:\(scratch("again"))", "--store", "json:\(scratch("source"))"])
        #expect(piped.status == 0)
        #expect(piped.stdout == "exported 5 cassettes to json:\(scratch("again"))\n")
        #expect(piped.stderr == "")
    }

    /// Runs `tapedeck arguments` with stderr on a new pseudo-terminal and stdout on a pipe, until it exits.
    private static func runWithStderrOnATerminal(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let path = try #require(TapedeckBinary.path)
        // pty(7): the multiplexer hands out a new pair; unlock its terminal side and learn its number. (Glibc's
        // posix_openpt family is not visible to Swift, so the two ioctls it makes are made here: TIOCSPTLCK, TIOCGPTN.)
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0, "no pseudo-terminal: errno \(errno)")
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try #require(ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0, "errno \(errno)")
        let terminal = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(terminal >= 0, "cannot open the terminal's side: errno \(errno)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdout = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = FileHandle(fileDescriptor: terminal, closeOnDealloc: false)
        do {
            try ServeProcess.runUnblocked(process)
        } catch {
            close(terminal)
            throw error
        }
        // Only the child keeps the terminal open now, so reading ends (EIO) once it has exited.
        close(terminal)
        var stderr: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if n > 0 { stderr += chunk[..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
