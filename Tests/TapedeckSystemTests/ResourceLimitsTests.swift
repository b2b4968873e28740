import Foundation
import Glibc
import Testing
@testable import TapedeckSystem
import TapedeckTestSupport

@Suite struct ResourceLimitsTests {
    /// `serve` started with a soft open-file limit of 256 runs with the hard limit, so 1,000 connections fit.
    @Test func serveRaisesALowSoftOpenFileLimit() throws {
        let binary = try #require(TapedeckBinary.path)
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var hard = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &hard) == 0)
        try #require(hard.rlim_max > 256, "this machine's hard limit is too low to tell")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "ulimit -Sn 256 && exec \"$0\" serve --port 0 --quiet --store json:\"$1\"", binary, scratch.path]
        let errors = Pipe()
        shell.standardError = errors
        try shell.run()
        defer {
            kill(shell.processIdentifier, SIGTERM)
            shell.waitUntilExit()
        }
        var seen = ""
        while !seen.contains(" listening address=") {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        let limits = try String(contentsOfFile: "/proc/\(shell.processIdentifier)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        #expect(numbers.first == Int(hard.rlim_max), "\(line)")
    }
}
