import Foundation
import Glibc
import Testing
@testable import TapedeckBedrock
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck verify` from the real binary: corrupt files, misfiled cassettes, an ignore-field change and --rekey.
@Suite struct VerifyCommandTests {
    private func masked(_ text: String, _ store: String) -> String { Golden.masked(text, [store: "<STORE>"]) }

    @Test func aGoodStoreVerifiesWithExitZero() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("verify", store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stdout == "verified 5 cassettes: 0 corrupt, 0 wrong keys, 0 duplicates\n")
        #expect(result.stderr == "")
    }

    @Test(arguments: StoreKind.allCases)
    func leasesOfRecordingsInProgressAreNoCassettesToVerifyOrList(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let spec = kind.spec(in: scratch.path)
        let store = try StoreLocation.open(spec)
        let cassettes = try CommandFixtures.all()
        for cassette in cassettes { try store.save(cassette) }
        let unrecorded = CassetteFixtures.cassette("still being recorded").key
        try LeaseFixtures.plant(LeaseFixtures.lease(cassettes[0].key, owner: LeaseFixtures.liveOwner), in: spec)
        try LeaseFixtures.plant(LeaseFixtures.lease(unrecorded, owner: LeaseFixtures.liveOwner), in: spec)
        try LeaseFixtures.plant(LeaseFixtures.lease(unrecorded, owner: LeaseFixtures.liveOwner), in: spec, namespace: "team")
        #expect(try LeaseFixtures.count(in: spec) == 3)

        let verified = try await CommandRunner.run(["verify", "--store", spec])
        #expect(verified.status == 0)
        #expect(verified.stdout == "verified 5 cassettes: 0 corrupt, 0 wrong keys, 0 duplicates\n")
        let listed = try await CommandRunner.run(["ls", "--store", spec])
        #expect(listed.status == 0)
        #expect(!listed.stdout.contains(unrecorded.hex.prefix(12)))
        #expect(!listed.stdout.contains("team"))
    }

    @Test func aHandCorruptedFileIsReportedWithExitOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let path = JSONFileStore(directory: scratch.path).path(for: cassettes[2].key)
        var bytes = try CassetteFixtures.read(path)
        bytes.removeLast(40)
        try CassetteFixtures.write(bytes, to: path)
        let result = try await CommandRunner.run("verify", store: scratch.path)
        #expect(result.status == 1)
        try Golden.check(masked(result.stdout, scratch.path), "verify-corrupt")
        #expect(result.stdout.hasPrefix("corrupt: \(path): invalid JSON at byte "))
    }

    @Test func aCassetteMovedUnderAnotherKeysNameIsAWrongKeyThatRekeyPutsBack() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let store = JSONFileStore(directory: scratch.path)
        let (moved, victim) = (cassettes[0], cassettes[4])
        #expect(rename(store.path(for: moved.key), store.path(for: victim.key)) == 0)
        let found = try await CommandRunner.run("verify", store: scratch.path)
        #expect(found.status == 1)
        try Golden.check(masked(found.stdout, scratch.path), "verify-moved")
        #expect(found.stdout.hasPrefix("wrong key: \(store.path(for: victim.key)) holds \(victim.key.hex) but its request gives \(moved.key.hex)\n"))

        let fixed = try await CommandRunner.run("verify", ["--rekey"], store: scratch.path)
        #expect(fixed.status == 0)
        try Golden.check(masked(fixed.stdout, scratch.path), "verify-moved-rekey")
        #expect(try store.load(moved.key) == CassetteFixtures.asLoaded(moved))
        #expect(try store.load(victim.key) == nil)
        let again = try await CommandRunner.run("verify", store: scratch.path)
        #expect(again.status == 0)
    }

    @Test func twoCassettesUnderEachOthersNamesTradePlacesBack() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let store = JSONFileStore(directory: scratch.path)
        let (a, b) = (cassettes[1], cassettes[3])
        let parked = scratch("parked.json")
        #expect(rename(store.path(for: a.key), parked) == 0)
        #expect(rename(store.path(for: b.key), store.path(for: a.key)) == 0)
        #expect(rename(parked, store.path(for: b.key)) == 0)
        let result = try await CommandRunner.run("verify", ["--rekey"], store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stdout.contains("verified 5 cassettes: 0 corrupt, 2 wrong keys, 0 duplicates\n"))
        #expect(result.stdout.hasSuffix("rekeyed 2 cassettes, removed 0 duplicates\n"))
        for cassette in cassettes { #expect(try store.load(cassette.key) == CassetteFixtures.asLoaded(cassette)) }
    }

    /// Three cassettes whose requests differ from others only in `serviceTier`, and one without it.
    private func tieredStore(at directory: String) throws -> (older: Cassette, newer: Cassette, single: Cassette, plain: Cassette) {
        let model = CommandFixtures.haiku
        let older = try CommandFixtures.chat(model, "Summarise the news.", "Quiet day.", tokens: (9, 3), recordedAt: "2025-04-01T00:00:00Z",
                                             extra: #","serviceTier":{"type":"default"}"#)
        let newer = try CommandFixtures.chat(model, "Summarise the news.", "Busy day.", tokens: (9, 3), recordedAt: "2025-04-02T00:00:00Z",
                                             extra: #","serviceTier":{"type":"priority"}"#)
        let single = try CommandFixtures.chat(model, "Name a colour.", "Teal.", tokens: (6, 2), recordedAt: "2025-04-03T00:00:00Z",
                                              extra: #","serviceTier":{"type":"flex"}"#)
        let plain = try CommandFixtures.capital()
        let store = JSONFileStore(directory: directory)
        for cassette in [older, newer, single, plain] { try store.save(cassette) }
        try store.addUsage(UsageCounts(hits: [older.key: .init(count: 3, lastHitAt: 100), newer.key: .init(count: 4, lastHitAt: 200)]))
        return (older, newer, single, plain)
    }

    @Test func anIgnoreFieldChangeMakesWrongKeysAndDuplicatesThatRekeyFixes() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let tiered = try tieredStore(at: scratch.path)
        let store = JSONFileStore(directory: scratch.path)
        let found = try await CommandRunner.run("verify", ["--ignore-field", "serviceTier"], store: scratch.path)
        #expect(found.status == 1)
        try Golden.check(masked(found.stdout, scratch.path), "verify-ignore-field")
        #expect(found.stdout.hasSuffix("verified 4 cassettes: 0 corrupt, 3 wrong keys, 1 duplicates\n"))

        let fixed = try await CommandRunner.run("verify", ["--ignore-field", "serviceTier", "--rekey"], store: scratch.path)
        #expect(fixed.status == 0)
        #expect(fixed.stderr == "")
        try Golden.check(masked(fixed.stdout, scratch.path), "verify-ignore-field-rekey")

        let news = try CacheKey.derive(modelId: tiered.newer.modelId, body: tiered.newer.request, ignoring: ["serviceTier"])
        let colour = try CacheKey.derive(modelId: tiered.single.modelId, body: tiered.single.request, ignoring: ["serviceTier"])
        #expect(Set(try store.entries().map(\.key)) == [news, colour, tiered.plain.key])
        var kept = CassetteFixtures.asLoaded(tiered.newer)
        kept.key = news
        #expect(try store.load(news) == kept)
        #expect(try store.usage().hits[news] == UsageCounts.Hits(count: 7, lastHitAt: 200))

        let clean = try await CommandRunner.run("verify", ["--ignore-field", "serviceTier"], store: scratch.path)
        #expect(clean.status == 0)
        #expect(clean.stdout == "verified 3 cassettes: 0 corrupt, 0 wrong keys, 0 duplicates\n")
    }

    @Test func corruptCassettesAreLeftAloneByRekeyAndStillExitOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let tiered = try tieredStore(at: scratch.path)
        let broken = JSONFileStore(directory: scratch.path).path(for: tiered.plain.key)
        try CassetteFixtures.write(Array("[]".utf8), to: broken)
        let result = try await CommandRunner.run("verify", ["--ignore-field", "serviceTier", "--rekey"], store: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("corrupt: \(broken): malformed cassette: a cassette must be a JSON object\n"))
        #expect(result.stdout.hasSuffix("rekeyed 2 cassettes, removed 1 duplicate; 1 corrupt left as they are\n"))
        #expect(FileManager.default.fileExists(atPath: broken))
    }

    @Test(arguments: [
        (["verify", "--ignore-field", "a..b"], #"tapedeck verify: --ignore-field must be a dotted path such as serviceTier or inferenceConfig.topP, not "a..b""#),
        (["verify", "--rekey=yes"], "tapedeck verify: --rekey takes no value"),
        (["verify", "now"], #"tapedeck verify: unexpected argument "now" (see tapedeck verify --help)"#),
    ])
    func badCommandLinesExitTwo(_ arguments: [String], _ line: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr == line + "\n")
    }
}

/// `verify` over a store with cassettes in the shared namespace and in two namespaces, of either kind.
@Suite struct VerifyNamespaceTests {
    @Test(arguments: StoreKind.allCases)
    func everyNamespaceIsVerifiedOnItsOwnAndCounted(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let all = try await CommandRunner.run(["verify", "--store", layout.spec])
        #expect(all.status == 0, "\(all.stdout)")
        // The capital question is in the shared namespace and in beta: not a duplicate, since keys are per namespace.
        #expect(all.stdout == "verified 6 cassettes across 3 namespaces: 0 corrupt, 0 wrong keys, 0 duplicates\n")
        let alpha = try await CommandRunner.run(["verify", "--namespace", "alpha", "--store", layout.spec])
        #expect(alpha.stdout == "verified 2 cassettes: 0 corrupt, 0 wrong keys, 0 duplicates\n")
    }

    @Test(arguments: StoreKind.allCases)
    func aWrongKeyInANamespaceIsReportedAndRekeyedInThatNamespace(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        var misfiled = CassetteFixtures.cassette("misfiled in beta")
        let right = misfiled.key
        misfiled.key = CassetteFixtures.cassette("some other request").key
        try StoreLocation.open(layout.spec).namespace("beta").save(misfiled)

        let found = try await CommandRunner.run(["verify", "--store", layout.spec])
        #expect(found.status == 1)
        let lines = found.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(found.stdout)")
        let place = kind == .json ? "/namespaces/beta/" : "#beta/"
        #expect(lines.first?.hasPrefix("wrong key: ") == true && lines.first?.contains(place) == true, "\(lines)")
        #expect(lines.first?.hasSuffix("holds \(misfiled.key.hex) but its request gives \(right.hex)") == true)
        #expect(lines.last == "verified 7 cassettes across 3 namespaces: 0 corrupt, 1 wrong keys, 0 duplicates")

        let rekeyed = try await CommandRunner.run(["verify", "--rekey", "--store", layout.spec])
        #expect(rekeyed.status == 0, "\(rekeyed.stderr)")
        #expect(rekeyed.stdout.contains("rekeyed \(misfiled.key.hex) → \(right.hex) (namespace beta)\n"))
        #expect(rekeyed.stdout.hasSuffix("rekeyed 1 cassette, removed 0 duplicates\n"))
        let beta = try NamespaceFixtures.keys(layout.spec, "beta")
        #expect(beta.contains(right.hex) && !beta.contains(misfiled.key.hex))
        #expect(try NamespaceFixtures.keys(layout.spec, "") == layout.cassettes[""]!.map(\.key.hex).sorted())
        let again = try await CommandRunner.run(["verify", "--store", layout.spec])
        #expect(again.stdout == "verified 7 cassettes across 3 namespaces: 0 corrupt, 0 wrong keys, 0 duplicates\n")
    }
}
