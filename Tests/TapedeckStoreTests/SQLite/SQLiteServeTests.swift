import Foundation
import Glibc
import Testing
@testable import TapedeckStore
import TapedeckTestSupport

/// `tapedeck serve --store sqlite:FILE` as a user runs it: the real binary on a real database file.
@Suite struct SQLiteServeTests {
    @Test func serveCountsTheCassettesAndNamesTheStore() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = scratch("tapes.db")
        let store = try SQLiteStore(path: file)
        for cassette in SQLiteFixtures.everyKind { try store.save(cassette) }
        let (lines, health, exit) = try await onOwnThread { () throws -> ([String], String, String) in
            let running = try TapedeckBinary.Running(["serve", "--port", "0", "--store", "sqlite:\(file)"])
            guard let port = running.waitForPort() else {
                running.send(SIGKILL)
                _ = running.waitForExit()
                return (running.lines, "", "no listening line")
            }
            let client = try RawClient(port: port)
            try client.send("GET /_tapedeck/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let health = try client.readResponse()?.text ?? ""
            running.send(SIGTERM)
            _ = running.waitForLine(containing: "stopped")
            let (status, reason) = running.waitForExit()
            return (running.lines, health, reason == .exit ? "exit \(status)" : "signal \(status)")
        }
        #expect(exit == "exit 0", "\(lines)")
        #expect(lines.contains { $0.contains(" listening ") && $0.contains(" mode=replay store=sqlite:\(file) cassettes=\(SQLiteFixtures.everyKind.count) upstream=none ") }, "\(lines)")
        #expect(health.contains(#""store":"sqlite:…/tapes.db""#), "\(health)")
    }

    @Test func aNewerSchemaStopsServeAtStartAndIsLeftAlone() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = scratch("tapes.db")
        try SQLiteFixtures.execute("CREATE TABLE future(x); PRAGMA user_version = 7; PRAGMA application_id = \(SQLiteFileCheck.applicationID);", on: file)
        let before = try CassetteFixtures.read(file)
        let result = try await onOwnThread { try TapedeckBinary.run(["serve", "--port", "0", "--store", "sqlite:\(file)"]) }
        #expect(result.reason == .exit)
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderrLines)")
        #expect(result.stderr.contains(
            #" ERROR cannot open store store=sqlite:\#(file) error="store \#(file) has schema version 7, written by a newer Tapedeck; this one knows up to \#(SQLiteSchema.currentVersion) and leaves it unchanged""#))
        #expect(try CassetteFixtures.read(file) == before)
        #expect(CassetteFixtures.tree(scratch.path) == ["tapes.db"])
    }

    @Test func processesOpeningOneNewFileAtOnceAllStart() async throws {
        // Converting a new file to WAL does not wait for a busy file by itself; every process must still start.
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let failures = try await onOwnThread { () throws -> [String] in
            var failures: [String] = []
            for round in 0..<5 {
                let file = scratch("round\(round).db")
                let processes = try (0..<4).map { _ in try TapedeckBinary.Running(["serve", "--port", "0", "--store", "sqlite:\(file)", "--quiet"]) }
                for process in processes where process.waitForListening() == nil {
                    failures.append("round \(round): \(process.lines)")
                }
                for process in processes { process.send(SIGTERM) }
                for process in processes { _ = process.waitForExit() }
            }
            return failures
        }
        #expect(failures == [])
    }
}
