import Testing
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck diff` from the real binary: two recorded requests compared in Converse terms.
@Suite struct DiffCommandTests {
    @Test func namesWhatDiffersBetweenTwoRecordings() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let cold = try CommandFixtures.chat(CommandFixtures.haiku, "Name a cold country.", "Norway.", tokens: (9, 2),
                                            recordedAt: "2025-03-01T09:00:00Z", extra: #","system":[{"text":"Be brief."}]"#)
        let warm = try CommandFixtures.chat(CommandFixtures.haiku, "Name a warm country.", "Chad.", tokens: (9, 2),
                                            recordedAt: "2025-03-01T09:00:00Z", extra: #","system":[{"text":"Be very brief."}]"#)
        try store.save(cold)
        try store.save(warm)
        let result = try await CommandRunner.run("diff", [String(cold.key.prefix), String(warm.key.prefix)], store: scratch.path)
        #expect(result.status == 0)
        try Golden.check(result.stdout, "diff")
        #expect(result.stdout.contains("system prompt differs at character"))
        #expect(result.stdout.contains("message 1 text differs at character 8"))

        let same = try await CommandRunner.run("diff", [String(cold.key.prefix), String(cold.key.prefix)], store: scratch.path)
        #expect(same.stdout.hasSuffix("requests are the same\n"))
        let wrong = try await CommandRunner.run("diff", [String(cold.key.prefix)], store: scratch.path)
        #expect(wrong.status == 2)
    }

    /// LangChain sends `"system": []`: against a recording without `system` that is no system prompt added, and
    /// the diff says just what differs.
    @Test func anEmptySystemListAgainstNoneIsNotAPromptAdded() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let store = JSONFileStore(directory: scratch.path)
        let plain = try CommandFixtures.chat(CommandFixtures.haiku, "Name a cold country.", "Norway.", tokens: (9, 2),
                                             recordedAt: "2025-03-01T09:00:00Z")
        let empty = try CommandFixtures.chat(CommandFixtures.haiku, "Name a cold country.", "Norway.", tokens: (9, 2),
                                             recordedAt: "2025-03-01T09:00:00Z", extra: #","system":[]"#)
        try store.save(plain)
        try store.save(empty)
        #expect(plain.key != empty.key)
        let result = try await CommandRunner.run("diff", [String(plain.key.prefix), String(empty.key.prefix)], store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stdout.contains("system absent → [] (no system prompt either way)"), "\(result.stdout)")
        #expect(!result.stdout.contains("system prompt added"), "\(result.stdout)")
    }
}
