import Testing
@testable import TapedeckCodec
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// `tapedeck ls` run as a user runs it, against a store built from fixtures; output compared with golden files.
@Suite struct LsCommandTests {
    @Test func listsEveryCassetteOldestFirstWithHits() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("ls", store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        try Golden.check(result.stdout, "ls")
    }

    @Test func jsonHasTheFullKeyAndTheSameFields() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let result = try await CommandRunner.run("ls", ["--json"], store: scratch.path)
        #expect(result.status == 0)
        try Golden.check(result.stdout, "ls-json")
        let rows = try JSONParser.parse(result.stdout).arrayValue ?? []
        #expect(rows.compactMap { $0["key"]?.stringValue } == cassettes.map(\.key.hex))
        #expect(rows.compactMap { $0["hits"]?.numberLiteral } == ["40", "12", "5", "3", "2"])
    }

    @Test func modelFilterMatchesRegionalProfilesAndARNsOfAFoundationModel() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try CommandFixtures.store(at: scratch.path)
        let foundation = try await CommandRunner.run("ls", ["--model", "amazon.nova-pro-v1:0"], store: scratch.path)
        #expect(foundation.status == 0)
        try Golden.check(foundation.stdout, "ls-model")
        let exact = try await CommandRunner.run("ls", ["--model", CommandFixtures.haiku, "--json"], store: scratch.path)
        #expect(try JSONParser.parse(exact.stdout).arrayValue?.count == 2)
        let none = try await CommandRunner.run("ls", ["--model", "eu.anthropic.claude-3-5-haiku-20241022-v1:0"], store: scratch.path)
        #expect(none.stdout == "KEY  NAMESPACE  MODEL  OPERATION  FIRST USER WORDS  RECORDED  HITS\n")
    }

    @Test func anUnreadableCassetteIsSkippedWithAWarningAndExitOne() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch.path)
        let broken = JSONFileStore(directory: scratch.path).path(for: cassettes[1].key)
        try CassetteFixtures.write(Array("{\"format\": 1,".utf8), to: broken)
        let result = try await CommandRunner.run("ls", store: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").count == 5)
        #expect(result.stderrLines.first?.hasPrefix("tapedeck ls: cannot read \(broken): invalid JSON") == true)
        #expect(result.stderrLines.last == "tapedeck ls: 1 cassette skipped; tapedeck verify lists every problem")
    }

    @Test func anEmptyStoreListsOnlyTheHeader() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let result = try await CommandRunner.run("ls", store: scratch.path)
        #expect(result.status == 0)
        #expect(result.stdout == "KEY  NAMESPACE  MODEL  OPERATION  FIRST USER WORDS  RECORDED  HITS\n")
        let json = try await CommandRunner.run("ls", ["--json"], store: scratch.path)
        #expect(json.stdout == "[]\n")
    }

    @Test func theStoreComesFromTheEnvironmentOrTheSettingsFileAsServesDoes() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let cassettes = try CommandFixtures.store(at: scratch("tapes"))
        func ls(_ arguments: [String], _ environment: [String: String] = [:]) async throws -> TapedeckBinary.Finished {
            try await onOwnThread { try TapedeckBinary.run(["ls"] + arguments, workingDirectory: scratch.path, environment: environment) }
        }
        let fromVariable = try await ls([], ["TAPEDECK_STORE": "json:tapes"])
        #expect(fromVariable.status == 0, "\(fromVariable.stderr)")
        #expect(fromVariable.stdout.contains(cassettes[0].key.prefix), "TAPEDECK_STORE is the store of every command")
        try CassetteFixtures.write(Array(#"{"store": "json:tapes", "port": 9000}"#.utf8), to: scratch("tapedeck.json"))
        let fromFile = try await ls([])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.contains(cassettes[0].key.prefix), "tapedeck.json's store, its serve-only keys let be")
        let flag = try await ls(["--store", "json:elsewhere"], ["TAPEDECK_STORE": "json:tapes"])
        #expect(flag.status == 1 && flag.stderr.contains("no store at elsewhere"), "the flag wins: \(flag.stderr)")
        try CassetteFixtures.write(Array(#"{"stor": "json:tapes"}"#.utf8), to: scratch("tapedeck.json"))
        let broken = try await ls([])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains(#"tapedeck.json: unknown key "stor"; did you mean "store"?"#), "\(broken.stderr)")
    }

    @Test func aMissingStoreIsAnErrorNamingItAndNothingIsMade() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        for store in ["json:\(scratch("none"))", "sqlite:\(scratch("none.db"))"] {
            let location = String(store.drop { $0 != ":" }.dropFirst())
            for command in [["ls"], ["stats"], ["verify"], ["show", "abcd"], ["rm", "abcd"], ["prune", "--older-than", "1d"]] {
                let result = try await CommandRunner.run(command + ["--store", store])
                #expect(result.status == 1, "\(command) \(store)")
                #expect(result.stderr == "tapedeck \(command[0]): no store at \(location); serve --mode auto or record creates it\n", "\(command)")
            }
            let export = try await CommandRunner.run(["export", "--store", store, "--to", "json:\(scratch("out"))"])
            #expect(export.status == 1)
            #expect(export.stderr.contains("no store at \(location)"))
            #expect(CassetteFixtures.tree(scratch.path).isEmpty, "no command that reads made a file or a directory")
        }
    }

    @Test(arguments: [
        (["ls", "extra"], #"tapedeck ls: unexpected argument "extra" (see tapedeck ls --help)"#),
        (["ls", "--store", "Cassettes"], #"tapedeck ls: --store: unknown store "Cassettes""#),
        (["ls", "--json=yes"], "tapedeck ls: --json takes no value"),
    ])
    func badCommandLinesExitTwo(_ arguments: [String], _ line: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix(line))
        #expect(result.stderrLines.count == 1)
        #expect(result.stdout == "")
    }
}

/// `ls` over a store with cassettes in the shared namespace and in two namespaces, of either kind.
@Suite struct LsNamespaceTests {
    /// The first two columns of each row: key prefix and namespace.
    private func listed(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
    }

    /// `key-prefix namespace-label` per cassette of `names`, in the order ls lists them.
    private func expected(_ layout: NamespaceFixtures.Layout, _ names: [String]) -> [String] {
        names.flatMap { name in (layout.cassettes[name] ?? []).map { "\($0.key.prefix) \(name.isEmpty ? "(shared)" : name)" } }
    }

    @Test(arguments: StoreKind.allCases)
    func listsEveryNamespaceSharedFirstNamingEach(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let table = try await CommandRunner.run(["ls", "--store", layout.spec])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("KEY           NAMESPACE  MODEL"))
        #expect(listed(table.stdout) == expected(layout, ["", "alpha", "beta"]))
        #expect(table.stdout.split(separator: "\n").count == 1 + layout.count)

        let json = try await CommandRunner.run(["ls", "--json", "--store", layout.spec])
        let rows = try JSONParser.parse(json.stdout).arrayValue ?? []
        let seen = rows.map { "\($0["namespace"]?.stringValue ?? "?") \($0["key"]?.stringValue ?? "?") \($0["hits"]?.numberLiteral ?? "?")" }
        let stored = ["", "alpha", "beta"].flatMap { name in
            zip(layout.cassettes[name] ?? [], layout.hits[name] ?? []).map { "\(name) \($0.key.hex) \($1)" }
        }
        #expect(seen == stored, "each row carries its namespace and that namespace's hits")
    }

    @Test(arguments: StoreKind.allCases)
    func namespaceFlagOrSpecListsOneNamespace(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let alpha = try await CommandRunner.run(["ls", "--namespace", "alpha", "--store", layout.spec])
        #expect(alpha.status == 0)
        #expect(listed(alpha.stdout) == expected(layout, ["alpha"]))
        let shared = try await CommandRunner.run(["ls", "--namespace", "", "--store", layout.spec])
        #expect(listed(shared.stdout) == expected(layout, [""]))
        let beta = try await CommandRunner.run(["ls", "--store", layout.spec("beta")])
        #expect(listed(beta.stdout) == expected(layout, ["beta"]))
        let agreeing = try await CommandRunner.run(["ls", "--namespace", "beta", "--store", layout.spec("beta")])
        #expect(listed(agreeing.stdout) == expected(layout, ["beta"]))
        let both = try await CommandRunner.run(["ls", "--namespace", "alpha", "--store", layout.spec("beta")])
        #expect(both.status == 2)
        #expect(both.stderr == "tapedeck ls: --store \(layout.spec("beta")) names namespace beta but --namespace says \"alpha\"; give one\n")
        let invalid = try await CommandRunner.run(["ls", "--namespace", "../x", "--store", layout.spec])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.hasPrefix(#"tapedeck ls: --namespace "../x" is refused: "#))
    }
}

@Suite struct StoreNamespaceOptionTests {
    @Test func aStoreSpecEndingInANamespaceListsThatNamespace() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let shared = JSONFileStore(directory: scratch.path)
        let cassette = try CommandFixtures.capital()
        try shared.namespace("test_login").save(cassette)
        let inNamespace = try await CommandRunner.run(["ls", "--json", "--store", "json:\(scratch.path)#test_login"])
        #expect(inNamespace.status == 0)
        #expect(try JSONParser.parse(inNamespace.stdout).arrayValue?.first?["key"]?.stringValue == cassette.key.hex)
        let sharedList = try await CommandRunner.run(["ls", "--json", "--namespace", "", "--store", "json:\(scratch.path)"])
        #expect(try JSONParser.parse(sharedList.stdout).arrayValue?.isEmpty == true)
        let bad = try await CommandRunner.run(["ls", "--store", "json:\(scratch.path)#../x"])
        #expect(bad.status == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func aNamespaceThatIsNotThereIsAnErrorListingThoseThatAre(_ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let layout = try NamespaceFixtures.store(kind, in: scratch.path)
        let reads: [[String]] = [
            ["ls"], ["stats"], ["verify"], ["verify", "--rekey"], ["show", "abcd"], ["rm", "abcd"], ["prune", "--older-than", "1d"],
            ["diff", "ab", "cd"], ["export", "--to", "json:\(scratch("out"))"],
        ]
        for command in reads {
            let result = try await CommandRunner.run(command + ["--store", layout.spec("nosuch")])
            #expect(result.status == 1, "\(command)")
            #expect(result.stdout == "", "\(command)")
            #expect(result.stderr == "tapedeck \(command[0]): \(layout.spec) has no namespace \"nosuch\"; its namespaces: alpha, beta\n", "\(command)")
        }
        let flag = try await CommandRunner.run(["stats", "--namespace", "alpah", "--store", layout.spec])
        #expect(flag.status == 1)
        #expect(flag.stderr == "tapedeck stats: \(layout.spec) has no namespace \"alpah\" (did you mean \"alpha\"?); its namespaces: alpha, beta\n")
        let from = try await CommandRunner.run(["import", "--from", layout.spec("gamma"), "--store", "json:\(scratch("in"))"])
        #expect(from.status == 1)
        #expect(from.stderr == "tapedeck import: \(layout.spec) has no namespace \"gamma\"; its namespaces: alpha, beta\n")
        let made = CassetteFixtures.tree(scratch.path)
        #expect(!made.contains("out") && !made.contains("in"), "no store is made when the one to read from is not there")

        let empty = try ScratchDirectory()
        defer { empty.remove() }
        try StoreLocation.open(kind.spec(in: empty.path)).save(try CommandFixtures.capital())
        let none = try await CommandRunner.run(["ls", "--store", "\(kind.spec(in: empty.path))#alpha"])
        #expect(none.status == 1)
        #expect(none.stderr == "tapedeck ls: \(kind.spec(in: empty.path)) has no namespace \"alpha\"; it has no namespaces, only the shared one\n")
    }
}
