import Foundation
import Testing
@testable import TapedeckCommand
import TapedeckTestSupport

/// Every command's exit status from the real binary: 0 when it did its job, 1 when it failed, 2 for a command line
/// that cannot be run; a failure or usage error says why in one line on stderr, named after the command.
@Suite struct ExitStatusTests {
    /// The command line of each store command that does its job on the fixture store, with `STORE` and `PREFIX`
    /// standing for the store path and a cassette's key prefix.
    private static let succeeding: [String: [String]] = [
        "ls": ["ls"], "show": ["show", "PREFIX"], "rm": ["rm", "PREFIX"], "prune": ["prune", "--older-than", "1d", "--dry-run"],
        "export": ["export", "--to", "json:OTHER"], "import": ["import", "--from", "json:OTHER"], "verify": ["verify"],
        "stats": ["stats"], "diff": ["diff", "PREFIX", "PREFIX2"],
    ]

    @Test func everyStoreCommandIsCovered() {
        #expect(Set(Self.succeeding.keys) == Set(TapedeckCommand.subcommands.map { $0.name }))
    }

    @Test(arguments: ["ls", "show", "rm", "prune", "export", "import", "verify", "stats", "diff"])
    func zeroWhenItWorksOneWhenItFailsTwoForABadCommandLine(_ name: String) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch("store"))
        try CassetteFixtures.write([1], to: scratch("a-file"))
        // import reads the other store, so it must exist (only a command that writes cassettes makes a store).
        try FileManager.default.createDirectory(atPath: scratch("other"), withIntermediateDirectories: false)
        func line(_ store: String) throws -> [String] {
            try #require(Self.succeeding[name]).map { word in
                switch word {
                case "PREFIX": return cassettes[0].key.prefix
                case "PREFIX2": return cassettes[1].key.prefix
                // The other store of export and import is the failing one too, so either direction fails.
                case "json:OTHER": return "json:" + (store == scratch("a-file") ? store : scratch("other"))
                default: return word
                }
            } + ["--store", "json:\(store)"]
        }

        let works = try await CommandRunner.run(try line(scratch("store")))
        #expect(works.reason == .exit)
        #expect(works.status == 0, "\(works.stderr)")

        // A store that is a plain file cannot be listed: an operational failure.
        let fails = try await CommandRunner.run(try line(scratch("a-file")))
        #expect(fails.status == 1, "\(fails.stdout)\(fails.stderr)")
        #expect(fails.stderrLines.count == 1 && fails.stderr.hasPrefix("tapedeck \(name): cannot list store json:"), "\(fails.stderr)")

        for bad in [["--bogus"], ["--store"], ["--store", "nope:x"]] {
            let refused = try await CommandRunner.run(try line(scratch("store")).dropLast(2) + bad)
            #expect(refused.status == 2, "\(bad): \(refused.stderr)")
            #expect(refused.stderrLines.count == 1 && refused.stderr.hasPrefix("tapedeck \(name): "), "\(refused.stderr)")
            #expect(refused.stdout == "")
        }
    }
}
