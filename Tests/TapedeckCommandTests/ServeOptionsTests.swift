import Testing
@testable import TapedeckHTTP
@testable import TapedeckProxy
@testable import TapedeckCommand
import TapedeckTestSupport

@Suite struct ServeOptionsTests {
    /// The reason `serve arguments` is refused, or nil when it is accepted.
    private func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try ServeOptions.parse(arguments)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        for options in [ServeOptions(), try ServeOptions.parse([])] {
            #expect(options.port == 8787)
            #expect(options.host == "127.0.0.1")
            #expect(options.store == "json:Cassettes")
            #expect(options.maxBodyBytes == 67_108_864)
            #expect(options.upstreamTimeoutSeconds == 300)
            #expect(options.mode == nil)
            #expect(options.upstream == nil)
            #expect(options.ignoreFields == [])
            #expect(options.hitLatencyMs == 0)
            #expect(options.hitUsage == .recorded)
            #expect(options.hitDelayMs == 0)
            #expect(options.threads == HTTPServer.Configuration().eventLoops)
            #expect((1...8).contains(options.threads))
            #expect(options.readTimeoutSeconds == 30)
            #expect(options.idleTimeoutSeconds == 75)
            #expect(options.shutdownGraceSeconds == 10)
            #expect(options.quiet == false)
            #expect(options.logFormat == .text)
            #expect(options.logLevel == .info)
        }
    }

    @Test func helpDefaultsAgreeWithTheRealDefaults() throws {
        let options = ServeOptions()
        let actual: [String: String] = [
            "host": options.host, "port": "\(options.port)", "store": options.store,
            "max-body-bytes": "\(options.maxBodyBytes)", "upstream-timeout": "\(options.upstreamTimeoutSeconds)",
            "hit-latency-ms": "\(options.hitLatencyMs)", "hit-usage": options.hitUsage.rawValue,
            "hit-delay-ms": "\(options.hitDelayMs)", "replay-pace": "none", "read-timeout": "\(options.readTimeoutSeconds)",
            "idle-timeout": "\(options.idleTimeoutSeconds)", "shutdown-grace": "\(options.shutdownGraceSeconds)",
            "repeats": options.repeats.rawValue, "on-expired": options.onExpired.rawValue,
            "log-format": options.logFormat.rawValue, "log-level": options.logLevel.rawValue,
        ]
        for (name, value) in actual {
            let spec = try #require(ServeOptions.specs.first { $0.name == name }, "no spec for --\(name)")
            #expect(spec.defaultText == value, "--\(name)")
        }
        #expect(Set(ServeOptions.specs.map(\.name)).count == ServeOptions.specs.count)
        #expect(ServeOptions.specs.filter(\.repeatable).map(\.name) == ["allowed-host", "ignore-field"])
        #expect(ServeOptions.specs.filter { $0.value == nil }.map(\.name) == ["namespace-fallback", "strict", "aws-sign", "quiet"])
    }

    @Test func everyFlagIsReadInBothForms() throws {
        let values: [(String, String)] = [
            ("host", "0.0.0.0"), ("port", "0"), ("mode", "auto"), ("upstream", "https://bedrock-runtime.us-east-1.amazonaws.com"),
            ("store", "json:/srv/tapes"), ("ignore-field", "inferenceConfig.topP"), ("max-body-bytes", "1024"),
            ("upstream-timeout", "5"), ("hit-latency-ms", "250"), ("hit-usage", "zero"), ("hit-delay-ms", "7"),
            ("replay-pace", "25"), ("threads", "3"), ("read-timeout", "4"), ("idle-timeout", "6"), ("shutdown-grace", "0"),
            ("aws-region", "eu-west-1"), ("namespace", "team-a"), ("repeats", "sequence"), ("max-age", "30d"),
            ("on-expired", "rerecord"), ("auth-token", "0123456789abcdef-token"), ("log-format", "json"), ("log-level", "warn"),
            ("allowed-host", "host.docker.internal"),
        ]
        let switches = ["--quiet", "--aws-sign", "--namespace-fallback", "--strict"]
        // --config is read in ConfigSourcesTests.
        #expect(values.count + switches.count + 1 == ServeOptions.specs.count, "a flag is missing from this test")
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]
        let spaced = try ServeOptions.parse(values.flatMap { ["--\($0)", $1] } + switches, environment: environment)
        let joined = try ServeOptions.parse(values.map { "--\($0)=\($1)" } + switches, environment: environment)
        for options in [spaced, joined] {
            #expect(options.host == "0.0.0.0")
            #expect(options.port == 0)
            #expect(options.mode == .auto)
            #expect(options.upstream == "https://bedrock-runtime.us-east-1.amazonaws.com")
            #expect(options.store == "json:/srv/tapes")
            #expect(options.ignoreFields == ["inferenceConfig.topP"])
            #expect(options.maxBodyBytes == 1024)
            #expect(options.upstreamTimeoutSeconds == 5)
            #expect(options.hitLatencyMs == 250)
            #expect(options.hitUsage == .zero)
            #expect(options.hitDelayMs == 7)
            #expect(options.replayPace == .every(milliseconds: 25))
            #expect(options.threads == 3)
            #expect(options.readTimeoutSeconds == 4)
            #expect(options.idleTimeoutSeconds == 6)
            #expect(options.shutdownGraceSeconds == 0)
            #expect(options.quiet)
            #expect(options.namespace == "team-a")
            #expect(options.namespaceFallback)
            #expect(options.repeats == .sequence)
            #expect(options.strict)
            #expect(options.maxAgeSeconds == 30 * 86_400)
            #expect(options.onExpired == .rerecord)
            #expect(options.authToken == "0123456789abcdef-token")
            #expect(options.proxyConfiguration.authToken == "0123456789abcdef-token")
            #expect(options.logFormat == .json)
            #expect(options.logLevel == .warn)
        }
    }

    @Test func aHostBeyondLoopbackNeedsAnAuthToken() throws {
        let reason = try #require(refusal(["--host", "0.0.0.0"]))
        #expect(reason.hasPrefix("--host 0.0.0.0 listens beyond this machine without --auth-token"))
        #expect(reason.contains("anyone who can reach the port could spend your upstream credentials and read your cassettes"))
        #expect(reason.contains("add --auth-token TOKEN"))
        #expect(!reason.contains("\n"))
        for host in ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.com", "127.0.0.1.example.com", "128.0.0.1", "127.0.0"] {
            #expect(refusal(["--host", host]) != nil, "\(host)")
        }
        let options = try ServeOptions.parse(["--host", "0.0.0.0", "--auth-token", "0123456789abcdef"], environment: [:])
        #expect(options.host == "0.0.0.0")
        #expect(options.authToken == "0123456789abcdef")
        #expect(options.proxyConfiguration.authToken == "0123456789abcdef")
    }

    @Test func loopbackHostsNeedNoToken() throws {
        for host in ["127.0.0.1", "::1", "localhost", "LOCALHOST", "127.1.2.3", "127.255.255.255", "[::1]"] {
            let options = try ServeOptions.parse(["--host", host], environment: [:])
            #expect(options.authToken == nil, "\(host)")
        }
        #expect(try ServeOptions.parse([], environment: [:]).authToken == nil)
        #expect(try ServeOptions.parse([], environment: [:]).proxyConfiguration.authToken == nil)
    }

    @Test(arguments: [" padded-token-0123456789", "padded-token-0123456789 ", "\tpadded-token-0123456789", "padded-token-0123456789\u{A0}"])
    func aTokenWithWhitespaceAroundItIsRefusedWithoutRepeatingIt(token: String) throws {
        // A header value arrives trimmed, so this token could never match: refused at start-up, not at every request.
        let reason = try #require(refusal(["--auth-token", token]))
        #expect(reason.hasPrefix("--auth-token starts or ends with whitespace"))
        #expect(!reason.contains("padded-token"))
        #expect(try ServeOptions.parse(["--auth-token", "inner space is kept 0123"], environment: [:]).authToken == "inner space is kept 0123")
    }

    @Test func allowedHostsAreCheckedAndOnlyGuardWhereTheyShould() throws {
        let loopback = try ServeOptions.parse(["--allowed-host", "host.docker.internal", "--allowed-host", "[fe80::1]"], environment: [:])
        #expect(loopback.proxyConfiguration.siteGuard.allowedHosts
                == ["127.0.0.1", "localhost", "[::1]", "host.docker.internal", "[fe80::1]"])
        #expect(try ServeOptions.parse([], environment: [:]).proxyConfiguration.siteGuard == .loopback(bound: "127.0.0.1"))
        let token = ["--auth-token", "0123456789abcdef"]
        let open = try ServeOptions.parse(["--host", "0.0.0.0"] + token, environment: [:])
        #expect(open.proxyConfiguration.siteGuard.allowedHosts == nil, "beyond loopback the token is the guard")
        let named = try ServeOptions.parse(["--host", "10.0.0.5", "--allowed-host", "tapedeck.internal"] + token, environment: [:])
        #expect(named.proxyConfiguration.siteGuard.allowedHosts == ["127.0.0.1", "localhost", "[::1]", "10.0.0.5", "tapedeck.internal"])
        for bad in ["http://evil.example", "host:8787", "", "two words", "a/b", "[abc]", "[]", "caf\u{E9}.test"] {
            #expect(refusal(["--allowed-host", bad])?.hasPrefix("--allowed-host must be a host name or address without a port") == true, "\(bad)")
        }
        let fromVariable = try ServeOptions.parse([], environment: ["TAPEDECK_ALLOWED_HOST": "a.test,b.test"])
        #expect(fromVariable.allowedHosts == ["a.test", "b.test"])
    }

    @Test func aShortTokenIsRefusedWithoutRepeatingIt() throws {
        let secret = "fifteen-chars!!"
        #expect(secret.count == 15)
        let reason = try #require(refusal(["--auth-token", secret]))
        #expect(reason.hasPrefix("--auth-token is too short (15 characters): use at least 16"))
        #expect(!reason.contains(secret))
        #expect(refusal(["--host", "0.0.0.0", "--auth-token", secret]) != nil)
        #expect(refusal(["--auth-token", ""]) != nil)
        #expect(try ServeOptions.parse(["--auth-token", secret + "x"], environment: [:]).authToken == secret + "x")
        let fromVariable = try ServeOptions.parse(
            ["--host", "0.0.0.0"], environment: ["TAPEDECK_AUTH_TOKEN": "from-the-environment"])
        #expect(fromVariable.authToken == "from-the-environment")
        do {
            _ = try ServeOptions.parse([], environment: ["TAPEDECK_AUTH_TOKEN": "short"])
            Issue.record("a short token was accepted")
        } catch {
            #expect(error.reason.hasSuffix("(from TAPEDECK_AUTH_TOKEN)"))
            #expect(!error.reason.contains("short\""))
        }
    }

    @Test func awsSignTakesKeysOrABearerTokenFromTheEnvironment() throws {
        let upstream = ["--upstream", "https://bedrock-runtime.us-east-1.amazonaws.com", "--aws-sign"]
        let keys = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalr", "AWS_REGION": "us-west-2"]
        guard case .sigV4(let signer)? = try ServeOptions.parse(upstream, environment: keys).upstreamAuth else {
            Issue.record("expected SigV4")
            return
        }
        #expect(signer.region == "us-west-2")
        #expect(signer.service == "bedrock")
        let bearer = try ServeOptions.parse(upstream + ["--aws-region", "us-east-1"], environment: ["AWS_BEARER_TOKEN_BEDROCK": "bedrock-api-key-x"])
        guard case .bearer(let token)? = bearer.upstreamAuth else { Issue.record("expected Bearer"); return }
        #expect(token == "bedrock-api-key-x")
        let noMetadata = ["AWS_EC2_METADATA_DISABLED": "true"]
        #expect(throws: UsageError.self) { try ServeOptions.parse(upstream, environment: noMetadata.merging(["AWS_REGION": "us-east-1"]) { $1 }) }
        let fromHost = try ServeOptions.parse(
            ["--upstream", "https://bedrock-runtime.eu-west-1.amazonaws.com", "--aws-sign"],
            environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"])
        guard case .sigV4(let hostSigner)? = fromHost.upstreamAuth else { Issue.record("expected SigV4"); return }
        #expect(hostSigner.region == "eu-west-1", "the region comes from the upstream's host when nothing else names one")
        #expect(throws: UsageError.self, "a host that names no region, and no region anywhere") {
            try ServeOptions.parse(["--upstream", "http://127.0.0.1:9", "--aws-sign"], environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"])
        }
        #expect(throws: UsageError.self) { try ServeOptions.parse(["--aws-sign"], environment: keys) }
        #expect(throws: UsageError.self) { try ServeOptions.parse(["--aws-region", "us-east-1"], environment: keys) }
        #expect(try ServeOptions.parse([], environment: keys).upstreamAuth == nil, "nothing is signed unless asked")
    }

    @Test func replayPaceTakesNoneRecordedOrMilliseconds() throws {
        #expect(try ServeOptions.parse([]).replayPace == ReplayPace.none)
        #expect(try ServeOptions.parse(["--replay-pace", "recorded"]).replayPace == .recorded)
        #expect(try ServeOptions.parse(["--replay-pace", "0"]).replayPace == ReplayPace.none)
        for bad in ["fast", "-1", "600001", ""] {
            #expect(throws: UsageError.self, "\(bad)") { try ServeOptions.parse(["--replay-pace", bad]) }
        }
    }

    @Test func ignoreFieldRepeatsInOrder() throws {
        let options = try ServeOptions.parse(["--ignore-field", "serviceTier", "--ignore-field=performanceConfig", "--ignore-field", "fallbacks"])
        #expect(options.ignoreFields == ["serviceTier", "performanceConfig", "fallbacks"])
        #expect(options.proxyConfiguration.ignoreFields == ["serviceTier", "performanceConfig", "fallbacks"])
    }

    @Test func modeFollowsUpstreamUnlessGiven() throws {
        #expect(try ServeOptions.parse([]).proxyConfiguration.mode == .replay)
        #expect(try ServeOptions.parse(["--upstream", "http://127.0.0.1:9"]).proxyConfiguration.mode == .auto)
        #expect(try ServeOptions.parse(["--mode", "replay"]).proxyConfiguration.mode == .replay)
        #expect(try ServeOptions.parse(["--mode", "replay", "--upstream", "http://h"]).proxyConfiguration.mode == .replay)
        // Order does not matter: --upstream may come after the --mode that needs it.
        for mode in ["auto", "record", "passthrough"] {
            let options = try ServeOptions.parse(["--mode", mode, "--upstream", "http://h:1/bedrock"])
            #expect(options.proxyConfiguration.mode.rawValue == mode)
            #expect(options.proxyConfiguration.upstream == "http://h:1/bedrock")
        }
    }

    @Test(arguments: ["json:Cassettes", "json:/srv/tapes", "sqlite:tapes.db", "sqlite:/var/lib/tapedeck/tapes.sqlite3"])
    func bothStoreFormsAreAccepted(_ store: String) throws {
        #expect(try ServeOptions.parse(["--store", store]).store == store)
    }

    @Test(arguments: ["http://a", "https://b", "http://127.0.0.1:8080", "https://h/bifrost/bedrock", "http://[::1]:9"])
    func httpUpstreamsWithAHostAreAccepted(_ url: String) throws {
        #expect(try ServeOptions.parse(["--upstream", url]).upstream == url)
    }

    @Test func settingsReachTheServerAndProxyConfigurations() throws {
        let options = try ServeOptions.parse([
            "--host", "::1", "--port", "9", "--threads", "2", "--max-body-bytes", "100", "--read-timeout", "3",
            "--idle-timeout", "4", "--upstream", "https://h/", "--upstream-timeout", "11", "--hit-latency-ms", "12",
            "--hit-delay-ms", "13", "--hit-usage", "zero",
        ])
        let server = options.serverConfiguration
        #expect(server.host == "::1")
        #expect(server.port == 9)
        #expect(server.eventLoops == 2)
        #expect(server.limits.maxBodyBytes == 100)
        #expect(server.readTimeoutMs == 3000)
        #expect(server.idleTimeoutMs == 4000)
        let proxy = options.proxyConfiguration
        #expect(proxy.upstream == "https://h")
        #expect(proxy.upstreamTimeoutSeconds == 11)
        #expect(proxy.hitLatencyMs == 12)
        #expect(proxy.hitDelayMs == 13)
        #expect(proxy.hitUsage == .zero)
    }

    @Test func refusalsAreOneLineAndNameTheFlag() {
        let cases: [([String], String)] = [
            (["--bogus"], "unknown flag --bogus (see tapedeck serve --help)"),
            (["--upstrem", "http://h"], "unknown flag --upstrem; did you mean --upstream?"),
            (["--log-fromat", "json"], "unknown flag --log-fromat; did you mean --log-format?"),
            (["--log-format", "JSON"], #"--log-format must be text or json, not "JSON""#),
            (["--log-format", "logfmt"], #"--log-format must be text or json, not "logfmt""#),
            (["--log-level", "warning"], #"--log-level must be one of debug, info, warn, error, not "warning""#),
            (["--log-level="], #"--log-level must be one of debug, info, warn, error, not """#),
            (["--port"], "--port needs a value: --port PORT"),
            (["--port", "1", "--port", "2"], "--port given more than once"),
            (["--store=json:a", "--store=json:b"], "--store given more than once"),
            (["--quiet", "--quiet"], "--quiet given more than once"),
            (["--port", "eighty"], #"--port must be a whole number from 0 to 65535, not "eighty""#),
            (["--port", "65536"], #"--port must be a whole number from 0 to 65535, not "65536""#),
            (["--port", "-1"], #"--port must be a whole number from 0 to 65535, not "-1""#),
            (["--port=8080.0"], #"--port must be a whole number from 0 to 65535, not "8080.0""#),
            (["--port="], #"--port must be a whole number from 0 to 65535, not """#),
            (["--port", " 80"], #"--port must be a whole number from 0 to 65535, not " 80""#),
            (["--port", "99999999999999999999"], #"--port must be a whole number from 0 to 65535, not "99999999999999999999""#),
            (["--threads", "0"], #"--threads must be a whole number from 1 to 64, not "0""#),
            (["--max-body-bytes", "1e6"], #"--max-body-bytes must be a whole number from 1 to 1099511627776, not "1e6""#),
            (["--upstream-timeout", "0"], #"--upstream-timeout must be a whole number from 1 to 86400, not "0""#),
            (["--shutdown-grace", "3601"], #"--shutdown-grace must be a whole number from 0 to 3600, not "3601""#),
            (["--mode", "Auto"], #"--mode must be one of auto, replay, record, passthrough, not "Auto""#),
            (["--mode", "offline"], #"--mode must be one of auto, replay, record, passthrough, not "offline""#),
            (["--mode", "auto"], "--mode auto needs --upstream URL"),
            (["--mode", "record"], "--mode record needs --upstream URL"),
            (["--mode=passthrough"], "--mode passthrough needs --upstream URL"),
            (["--upstream", "ftp://h"], #"--upstream must be an http:// or https:// URL, not "ftp://h""#),
            (["--upstream", "bedrock-runtime.us-east-1.amazonaws.com"],
             #"--upstream must be an http:// or https:// URL, not "bedrock-runtime.us-east-1.amazonaws.com""#),
            (["--upstream", "http://"], #"--upstream must be an http:// or https:// URL, not "http://""#),
            (["--upstream", "https://"], #"--upstream must be an http:// or https:// URL, not "https://""#),
            (["--upstream", "http:///model"], #"--upstream must be an http:// or https:// URL, not "http:///model""#),
            (["--store", "Cassettes"], #"--store must be json:DIR, sqlite:FILE or postgres://USER@HOST/DB, not "Cassettes""#),
            (["--store", "json:"], #"--store must be json:DIR, sqlite:FILE or postgres://USER@HOST/DB, not "json:""#),
            (["--store", "sqlite:"], #"--store must be json:DIR, sqlite:FILE or postgres://USER@HOST/DB, not "sqlite:""#),
            (["--store", "SQLITE:tapes.db"], #"--store must be json:DIR, sqlite:FILE or postgres://USER@HOST/DB, not "SQLITE:tapes.db""#),
            (["--store", "tapes.db"], #"--store must be json:DIR, sqlite:FILE or postgres://USER@HOST/DB, not "tapes.db""#),
            (["--hit-usage", "none"], #"--hit-usage must be recorded or zero, not "none""#),
            (["--host", ""], "--host must not be empty"),
            (["--quiet=yes"], "--quiet takes no value"),
            (["serve"], #"unexpected argument "serve" (see tapedeck serve --help)"#),
        ]
        for (arguments, expected) in cases {
            let reason = refusal(arguments)
            #expect(reason == expected, "\(arguments)")
            #expect(reason?.contains("\n") == false)
        }
    }

    @Test func namespaceIsValidatedAndReachesTheProxy() throws {
        #expect(try ServeOptions.parse([]).proxyConfiguration.namespace == "", "the shared namespace by default")
        #expect(try ServeOptions.parse([]).proxyConfiguration.namespaceFallback == false)
        let options = try ServeOptions.parse(["--namespace", "ci_run-7.a", "--namespace-fallback"])
        #expect(options.proxyConfiguration.namespace == "ci_run-7.a")
        #expect(options.proxyConfiguration.namespaceFallback)
        #expect(try ServeOptions.parse(["--namespace", String(repeating: "n", count: 128)]).namespace.count == 128)
        let cases: [(String, String)] = [
            ("", "namespace must not be empty"),
            ("..", #"namespace must not start with "." (no hidden or parent directories)"#),
            (".hidden", #"namespace must not start with "." (no hidden or parent directories)"#),
            ("a/b", #"namespace may hold only letters, digits, ".", "_" and "-""#),
            ("a b", #"namespace may hold only letters, digits, ".", "_" and "-""#),
            (String(repeating: "n", count: 129), "namespace is 129 characters; the limit is 128"),
        ]
        for (name, reason) in cases {
            #expect(refusal(["--namespace", name]) == "--namespace \"\(name)\" is refused: \(reason)")
        }
        #expect(refusal(["--namespace-fallback=yes"]) == "--namespace-fallback takes no value")
    }

    @Test func repeatsIsLastOrSequence() throws {
        #expect(try ServeOptions.parse([]).proxyConfiguration.repeats == .last)
        #expect(try ServeOptions.parse(["--repeats", "last"]).proxyConfiguration.repeats == .last)
        #expect(try ServeOptions.parse(["--repeats=sequence"]).proxyConfiguration.repeats == .sequence)
        for bad in ["Sequence", "first", ""] {
            #expect(refusal(["--repeats", bad]) == "--repeats must be last or sequence, not \"\(bad)\"")
        }
    }

    @Test func strictImpliesReplayUnlessTheModeSaysAuto() throws {
        let upstream = ["--upstream", "http://127.0.0.1:9"]
        #expect(try ServeOptions.parse([]).proxyConfiguration.strict == false)
        let offline = try ServeOptions.parse(["--strict"])
        #expect(offline.proxyConfiguration.strict)
        #expect(offline.proxyConfiguration.mode == .replay)
        #expect(try ServeOptions.parse(["--strict"] + upstream).proxyConfiguration.mode == .replay, "not auto, as --upstream alone gives")
        #expect(try ServeOptions.parse(["--strict", "--mode", "replay"]).proxyConfiguration.mode == .replay)
        let auto = try ServeOptions.parse(["--strict", "--mode", "auto"] + upstream).proxyConfiguration
        #expect(auto.mode == .auto)
        #expect(auto.strict)
        for mode in ["record", "passthrough"] {
            #expect(refusal(["--strict", "--mode", mode] + upstream)
                    == "--strict cannot be used with --mode \(mode): strict runs replay cassettes")
        }
    }

    @Test func maxAgeTakesATimeSpanAndOnExpiredNeedsIt() throws {
        let plain = try ServeOptions.parse([]).proxyConfiguration
        #expect(plain.maxAgeSeconds == nil, "never expires by default")
        #expect(plain.onExpired == .replay)
        let cases: [(String, Int)] = [("30d", 2_592_000), ("12h", 43_200), ("90m", 5400), ("45s", 45)]
        for (age, seconds) in cases {
            let configuration = try ServeOptions.parse(["--max-age", age]).proxyConfiguration
            #expect(configuration.maxAgeSeconds == seconds)
            #expect(configuration.onExpired == .replay)
        }
        for policy in ExpiredPolicy.allCases {
            #expect(try ServeOptions.parse(["--max-age", "1d", "--on-expired", policy.rawValue]).proxyConfiguration.onExpired == policy)
        }
        for bad in ["30", "1w", "-1d", "30D", ""] {
            #expect(refusal(["--max-age", bad]) == "--max-age must be a whole number followed by d, h, m or s (e.g. 30d, 12h), not \"\(bad)\"")
        }
        #expect(refusal(["--max-age", "1d", "--on-expired", "delete"]) == #"--on-expired must be replay, warn or rerecord, not "delete""#)
        #expect(refusal(["--on-expired", "warn"]) == "--on-expired needs --max-age AGE: without it nothing expires")
    }

    @Test(arguments: ["", ".", "a.", ".a", "a..b", "inferenceConfig..topP", "..."])
    func ignoreFieldsWithEmptySegmentsAreRefused(_ path: String) {
        #expect(refusal(["--ignore-field", path])
                == "--ignore-field must be a dotted path such as serviceTier or inferenceConfig.topP, not \"\(path)\"")
    }

    @Test func upstreamCredentialsNeverReachTheMessage() {
        let reason = refusal(["--upstream", "ftp://user:secret@h/?token=hidden"])
        #expect(reason?.contains("secret") == false)
        #expect(reason?.contains("hidden") == false)
    }
}
