import Testing
@testable import TapedeckCommand

/// "Did you mean …?": the nearest name only when it is close, never a wild guess.
@Suite struct NearestNameTests {
    private let flags = ServeOptions.specs.map(\.name)

    @Test(arguments: [
        ("upstrem", "upstream"), ("upstraem", "upstream"), ("Upstream", "upstream"), ("prot", "port"), ("hots", "host"),
        ("mdoe", "mode"), ("stroe", "store"), ("quite", "quiet"), ("log-fromat", "log-format"), ("loglevel", "log-level"),
        ("ignore-fields", "ignore-field"), ("ignore_field", "ignore-field"), ("namespace-fallbak", "namespace-fallback"),
        ("upstream-time", "upstream-timeout"), ("hit-latency", "hit-latency-ms"), ("auth_token", "auth-token"),
    ])
    func aCloseTypoFindsTheFlag(_ typed: String, _ meant: String) {
        #expect(NearestName.nearest(to: typed, in: flags) == meant)
    }

    @Test(arguments: ["verbose", "debug", "p", "xyz", "", "upstreamhost", "log", "hit", "max", "namespaces-all"])
    func nothingCloseGivesNoGuess(_ typed: String) {
        #expect(NearestName.nearest(to: typed, in: flags) == nil)
    }

    @Test func commandsAreFoundToo() {
        let commands = TapedeckCommand.commandNames
        #expect(NearestName.nearest(to: "serv", in: commands) == "serve")
        #expect(NearestName.nearest(to: "lst", in: commands) == "ls")
        #expect(NearestName.nearest(to: "veriyf", in: commands) == "verify")
        #expect(NearestName.nearest(to: "stat", in: commands) == "stats")
        #expect(NearestName.nearest(to: "exprot", in: commands) == "export")
        #expect(NearestName.nearest(to: "record", in: commands) == nil)
    }

    @Test func theDistanceCountsASwapOfNeighboursAsOneEdit() {
        func distance(_ a: String, _ b: String) -> Int { NearestName.distance(Array(a.unicodeScalars), Array(b.unicodeScalars)) }
        #expect(distance("port", "port") == 0)
        #expect(distance("prot", "port") == 1)
        #expect(distance("upstrem", "upstream") == 1)
        #expect(distance("kitten", "sitting") == 3)
        #expect(distance("", "abc") == 3)
        #expect(distance("abc", "") == 3)
        #expect(distance("ca", "abc") == 3, "optimal string alignment edits no substring twice")
    }

    @Test func tiesGoToTheEarlierCandidate() {
        #expect(NearestName.nearest(to: "cat", in: ["bat", "hat"]) == "bat")
        #expect(NearestName.nearest(to: "cat", in: ["hat", "bat"]) == "hat")
        #expect(NearestName.nearest(to: "cat", in: ["cart", "at"]) == "cart")
    }

    @Test func aPrefixSuggestsOnlyWhenOneCandidateHasIt() {
        #expect(NearestName.nearest(to: "upstream-ti", in: flags) == "upstream-timeout")
        #expect(NearestName.nearest(to: "upstream-t", in: flags) == "upstream", "a close name comes before a prefix")
        #expect(NearestName.nearest(to: "hit-", in: flags) == nil, "three flags start so")
        #expect(NearestName.nearest(to: "ma", in: ["max-age"]) == nil, "two characters are too few to guess from")
    }
}
