import Testing
@testable import TapedeckCommand
import TapedeckTestSupport

/// `TAPEDECK_<FLAG>` variables read into flag values; unknown ones refused by name.
@Suite struct ConfigEnvironmentTests {
    /// The values `environment` gives with serve's flags.
    private func values(_ environment: [String: String]) throws(UsageError) -> [String: [String]] {
        try ConfigEnvironment.values(environment, specs: ServeOptions.specs).values
    }

    /// The reason `environment` is refused, or nil when it is accepted.
    private func refusal(_ environment: [String: String]) -> String? {
        do {
            _ = try values(environment)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func everyFlagHasAnUpperCaseVariable() {
        #expect(ConfigEnvironment.variable(for: "port") == "TAPEDECK_PORT")
        #expect(ConfigEnvironment.variable(for: "ignore-field") == "TAPEDECK_IGNORE_FIELD")
        #expect(ConfigEnvironment.variable(for: "namespace-fallback") == "TAPEDECK_NAMESPACE_FALLBACK")
        #expect(ConfigEnvironment.variable(for: "config") == "TAPEDECK_CONFIG")
    }

    @Test func valuesBecomeFlagValues() throws {
        #expect(try values([
            "TAPEDECK_PORT": "9000", "TAPEDECK_UPSTREAM": "https://h/a,b", "TAPEDECK_IGNORE_FIELD": "serviceTier,fallbacks",
            "HOME": "/root", "AWS_REGION": "us-east-1", "tapedeck_port": "1",
        ]) == ["port": ["9000"], "upstream": ["https://h/a,b"], "ignore-field": ["serviceTier", "fallbacks"]])
        #expect(try values(["TAPEDECK_IGNORE_FIELD": ""]) == ["ignore-field": []], "empty clears a lower source's list")
        #expect(try values(["TAPEDECK_IGNORE_FIELD": "a,,b"]) == ["ignore-field": ["a", "", "b"]], "the empty path is refused later")
        #expect(try values(["TAPEDECK_PORT": ""]) == ["port": [""]])
    }

    @Test(arguments: [("1", "true"), ("true", "true"), ("TRUE", "true"), ("0", "false"), ("false", "false"), ("False", "false")])
    func switchesTakeOneTrueZeroOrFalse(_ text: String, _ value: String) throws {
        #expect(try values(["TAPEDECK_QUIET": text]) == ["quiet": [value]])
    }

    @Test(arguments: ["yes", "", "2", "on"])
    func otherSwitchValuesAreRefused(_ text: String) {
        #expect(refusal(["TAPEDECK_QUIET": text]) == "TAPEDECK_QUIET must be 1, true, 0 or false, not \"\(text)\"")
    }

    @Test func unknownVariablesAreNamedWithTheNearestKnownOne() throws {
        func messages(_ environment: [String: String]) -> [String] { ConfigEnvironment.unknown(environment).map(\.message) }
        #expect(messages(["TAPEDECK_PROT": "9000"]) == ["unknown environment variable TAPEDECK_PROT is ignored; did you mean TAPEDECK_PORT?"])
        #expect(messages(["TAPEDECK_IGNORE-FIELD": "a"]) == ["unknown environment variable TAPEDECK_IGNORE-FIELD is ignored; did you mean TAPEDECK_IGNORE_FIELD?"])
        #expect(messages(["TAPEDECK_Port": "1"]) == ["unknown environment variable TAPEDECK_Port is ignored; did you mean TAPEDECK_PORT?"])
        #expect(messages(["TAPEDECK_LOGFORMAT": "json"]) == ["unknown environment variable TAPEDECK_LOGFORMAT is ignored; did you mean TAPEDECK_LOG_FORMAT?"])
        #expect(messages(["TAPEDECK_HOME": "/opt/other-tool"]) == [
            "unknown environment variable TAPEDECK_HOME is ignored (the nearest known one is TAPEDECK_HOST; TAPEDECK_ variables set tapedeck serve's flags)",
        ], "nothing is close enough to be a typo, and the nearest is still named")
        #expect(ConfigEnvironment.unknown(["TAPEDECK_": ""]).map(\.isTypo) == [false])
        #expect(ConfigEnvironment.unknown(["TAPEDECK_PORT": "1", "TAPEDECK_ZZZ": "1", "TAPEDECK_AAA": "1", "HOME": "/root"]).map(\.variable)
                == ["TAPEDECK_AAA", "TAPEDECK_ZZZ"], "sorted by name, whatever the dictionary's order; known and foreign ones left out")
        #expect(ConfigEnvironment.unknown(["TAPEDECK_HOME": "/opt/other-tool"]).map(\.variable) == ["TAPEDECK_HOME"])
        // Reading the settings passes over them: a variable set for another tool never stops a command.
        #expect(try values(["TAPEDECK_HOME": "/opt/other-tool", "TAPEDECK_PORT": "9000"]) == ["port": ["9000"]])
    }

    @Test func thePluginsAndTheTestSuitesOwnVariablesAreIgnored() throws {
        let own = ["TAPEDECK_BINARY": "/x", "TAPEDECK_BIN": "/x", "TAPEDECK_DIST": "/d", "TAPEDECK_WHEEL": "/w", "TAPEDECK_RECORD_SAMPLES": "1", "TAPEDECK_UPDATE_GOLDEN": "1", "TAPEDECK_FUZZ_TMP": "/tmp"]
        #expect(try values(own).isEmpty)
        #expect(ConfigEnvironment.unknown(own).isEmpty)
    }
}
