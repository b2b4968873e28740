import Testing
@testable import TapedeckCommand

@Suite struct FlagParserTests {
    private let specs = [
        FlagSpec("name", value: "NAME", help: "a name", default: "none"),
        FlagSpec("count", value: "N", help: "how many", default: "1"),
        FlagSpec("tag", value: "TAG", help: "a tag; repeatable", default: "no tags", repeatable: true),
        FlagSpec("verbose", value: nil, help: "say more", default: "off"),
    ]

    private func parse(_ arguments: [String]) throws(UsageError) -> [String: [String]] {
        try FlagParser.parse(arguments, specs: specs, command: "demo")
    }

    /// The reason a command line is refused, or nil when it is accepted.
    private func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try parse(arguments)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func spaceAndEqualsFormsAreTheSame() throws {
        #expect(try parse(["--name", "x", "--count", "3"]) == ["name": ["x"], "count": ["3"]])
        #expect(try parse(["--name=x", "--count=3"]) == ["name": ["x"], "count": ["3"]])
        #expect(try parse(["--name=x", "--count", "3"]) == ["name": ["x"], "count": ["3"]])
    }

    @Test func equalsSplitsAtTheFirstEqualsSign() throws {
        #expect(try parse(["--name=a=b"]) == ["name": ["a=b"]])
        #expect(try parse(["--name="]) == ["name": [""]])
        #expect(try parse(["--name", ""]) == ["name": [""]])
        #expect(try parse(["--name", "-x"]) == ["name": ["-x"]])
    }

    @Test func noArgumentsGiveNoValues() throws {
        #expect(try parse([]).isEmpty)
    }

    @Test func switchesTakeNoValue() throws {
        #expect(try parse(["--verbose", "--name", "x"]) == ["verbose": ["true"], "name": ["x"]])
        #expect(refusal(["--verbose=yes"]) == "--verbose takes no value")
    }

    @Test func repeatableFlagsCollectEveryValueInOrder() throws {
        #expect(try parse(["--tag", "b", "--name", "n", "--tag=a", "--tag", "b"]) == ["tag": ["b", "a", "b"], "name": ["n"]])
    }

    @Test func refusalsAreOneLineAndSayWhatIsWrong() {
        let cases: [([String], String)] = [
            (["--bogus"], "unknown flag --bogus (see tapedeck demo --help)"),
            (["--bogus=1"], "unknown flag --bogus (see tapedeck demo --help)"),
            (["--Name", "x"], "unknown flag --Name; did you mean --name?"),
            (["--"], "unknown flag -- (see tapedeck demo --help)"),
            (["name"], "unexpected argument \"name\" (see tapedeck demo --help)"),
            (["-n", "x"], "unknown flag -n (see tapedeck demo --help)"),
            (["-name", "x"], "unknown flag -name; did you mean --name?"),
            (["--name", "x", "extra"], "unexpected argument \"extra\" (see tapedeck demo --help)"),
            (["--name"], "--name needs a value: --name NAME"),
            (["--verbose", "--count"], "--count needs a value: --count N"),
            (["--name", "x", "--name", "y"], "--name given more than once"),
            (["--name=x", "--name=x"], "--name given more than once"),
            (["--verbose", "--verbose"], "--verbose given more than once"),
        ]
        for (arguments, expected) in cases {
            let reason = refusal(arguments)
            #expect(reason == expected, "\(arguments)")
            #expect(reason?.contains("\n") == false)
        }
    }

    @Test(arguments: [
        ("--nmae", "name"), ("--cuont", "count"), ("--coutn", "count"), ("--verbsoe", "verbose"), ("--verbos", "verbose"),
        ("--verboose", "verbose"), ("--tags", "tag"), ("--TAG", "tag"), ("--verb", "verbose"), ("--ver", "verbose"),
        ("--counts=3", "count"), ("-verbose", "verbose"),
    ])
    func anUnknownFlagNamesTheNearestValidOne(_ typed: String, _ meant: String) {
        #expect(refusal([typed]) == "unknown flag \(typed.prefix { $0 != "=" }); did you mean --\(meant)?")
    }

    @Test(arguments: ["--xyz", "--names-and-more", "--ve", "--a", "--countdown", "--debug", "-x", "-"])
    func anUnknownFlagFarFromEveryValidOneGetsNoGuess(_ typed: String) {
        let reason = refusal([typed])
        if typed == "-" {
            #expect(reason == "unexpected argument \"-\" (see tapedeck demo --help)", "a lone dash is an operand")
        } else {
            #expect(reason == "unknown flag \(typed) (see tapedeck demo --help)")
        }
    }

    @Test func operandsAreCollectedInOrderBesideTheFlags() throws {
        let parsed = try FlagParser.parseWithOperands(["ab12", "--name", "x", "cd", "--verbose", "--tag", "-e"], specs: specs, command: "demo")
        #expect(parsed.values == ["name": ["x"], "verbose": ["true"], "tag": ["-e"]])
        #expect(parsed.operands == ["ab12", "cd"])
        #expect(throws: UsageError("unknown flag --bogus (see tapedeck demo --help)")) {
            try FlagParser.parseWithOperands(["ab", "--bogus"], specs: specs, command: "demo")
        }
    }
}
