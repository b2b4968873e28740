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

/// `diff` over a store with cassettes in the shared namespace and in two namespaces, of either kind.
@Suite struct DiffNamespaceTests {
    @Test(arguments: StoreKind.allCases)
    func comparesCassettesOfAnyNamespaceNamedByPrefix(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let (capital, tools) = (layout.cassettes[""]![0], layout.cassettes["alpha"]![0])

        let across = try await CommandRunner.run(["diff", "/" + capital.key.prefix, tools.key.prefix, "--store", layout.spec])
        #expect(across.status == 0, "\(across.stderr)")
        #expect(across.stdout.hasPrefix("\(capital.key.prefix) → alpha/\(tools.key.prefix)\n"))
        #expect(!across.stdout.contains("requests are the same"))

        // Two tests' recordings of one question: one key, two namespaces.
        let twins = try await CommandRunner.run(["diff", "beta/" + capital.key.prefix, "/" + capital.key.prefix, "--store", layout.spec])
        #expect(twins.status == 0, "\(twins.stderr)")
        #expect(twins.stdout == "beta/\(capital.key.prefix) → \(capital.key.prefix)\nrequests are the same\n")

        let ambiguous = try await CommandRunner.run(["diff", capital.key.prefix, tools.key.prefix, "--store", layout.spec])
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("ambiguous") && ambiguous.stderr.contains("beta"), "\(ambiguous.stderr)")

        let picked = try await CommandRunner.run(["diff", capital.key.prefix, tools.key.prefix, "--namespace", "alpha", "--store", layout.spec])
        #expect(picked.status == 1)
        #expect(picked.stderr.contains("no cassette in") && picked.stderr.contains("has a key starting with \(capital.key.prefix)"), "\(picked.stderr)")

        let refused = try await CommandRunner.run(["diff", "../x/" + capital.key.prefix, tools.key.prefix, "--store", layout.spec])
        #expect(refused.status == 2, "\(refused.stderr)")
    }
}
