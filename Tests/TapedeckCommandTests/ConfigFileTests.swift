import Testing
@testable import TapedeckStore
@testable import TapedeckCommand
import TapedeckTestSupport

/// A JSON settings file read into flag values: types per flag, unknown keys and parse errors named.
@Suite struct ConfigFileTests {
    /// The values `json` gives, as `tapedeck.json`, with serve's flags.
    private func values(_ json: String) throws(UsageError) -> [String: [String]] {
        try ConfigFile.values(Array(json.utf8), name: "tapedeck.json", specs: ServeOptions.specs)
    }

    /// The reason `json` is refused, or nil when it is accepted.
    private func refusal(_ json: String) -> String? {
        do {
            _ = try values(json)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func valuesBecomeFlagValues() throws {
        let json = """
            {"port": 9000, "upstream": "https://h", "ignore-field": ["serviceTier", "fallbacks"], "quiet": true,
             "aws-sign": false, "replay-pace": "recorded", "hit-latency-ms": 1.5, "store": "json:x"}
            """
        #expect(try values(json) == [
            "port": ["9000"], "upstream": ["https://h"], "ignore-field": ["serviceTier", "fallbacks"], "quiet": ["true"],
            "aws-sign": ["false"], "replay-pace": ["recorded"], "hit-latency-ms": ["1.5"], "store": ["json:x"],
        ])
        #expect(try values(#"{"ignore-field": "serviceTier"}"#) == ["ignore-field": ["serviceTier"]], "one string for a repeatable flag")
        #expect(try values(#"{"ignore-field": []}"#) == ["ignore-field": []])
        #expect(try values(" {} \n").isEmpty)
    }

    @Test func unknownKeysAreRefusedByName() {
        #expect(refusal(#"{"port": 1, "prot": 9000}"#) == #"tapedeck.json: unknown key "prot"; did you mean "port"?"#)
        #expect(refusal(#"{"Port": 9000}"#) == #"tapedeck.json: unknown key "Port"; did you mean "port"?"#)
        #expect(refusal(#"{"--port": 9000}"#) == #"tapedeck.json: unknown key "--port""#)
        #expect(refusal(#"{"ignore_field": []}"#) == #"tapedeck.json: unknown key "ignore_field"; did you mean "ignore-field"?"#)
        #expect(refusal(#"{"log_level": "debug"}"#) == #"tapedeck.json: unknown key "log_level"; did you mean "log-level"?"#)
    }

    @Test func wrongTypesAreRefusedNamingTheKey() {
        let cases: [(String, String)] = [
            (#"{"quiet": "yes"}"#, #"tapedeck.json: "quiet" must be true or false, not a string"#),
            (#"{"quiet": 1}"#, #"tapedeck.json: "quiet" must be true or false, not the number 1"#),
            (#"{"aws-sign": null}"#, #"tapedeck.json: "aws-sign" must be true or false, not null"#),
            (#"{"port": true}"#, #"tapedeck.json: "port" must be a string or a number, not true"#),
            (#"{"port": [9000]}"#, #"tapedeck.json: "port" must be a string or a number, not an array"#),
            (#"{"upstream": null}"#, #"tapedeck.json: "upstream" must be a string or a number, not null"#),
            (#"{"store": {"json": "x"}}"#, #"tapedeck.json: "store" must be a string or a number, not an object"#),
            (#"{"ignore-field": [1]}"#, #"tapedeck.json: "ignore-field" must be a string or an array of strings, not an array holding the number 1"#),
            (#"{"ignore-field": ["a", ["b"]]}"#, #"tapedeck.json: "ignore-field" must be a string or an array of strings, not an array holding an array"#),
            (#"{"ignore-field": false}"#, #"tapedeck.json: "ignore-field" must be a string or an array of strings, not false"#),
            (#"["port", 9000]"#, #"tapedeck.json: must hold a JSON object of settings such as {"port": 9000}, not an array"#),
            ("9000", #"tapedeck.json: must hold a JSON object of settings such as {"port": 9000}, not the number 9000"#),
        ]
        for (json, reason) in cases {
            #expect(refusal(json) == reason, "\(json)")
        }
    }

    @Test func parseErrorsNameTheFileAndTheByteOffset() {
        #expect(refusal(#"{"port": 9000,}"#) == "tapedeck.json: invalid JSON at byte 14: expected '\"' to start an object key, found '}'")
        #expect(refusal(#"{"port": 9000, "port": 1}"#)?.hasPrefix("tapedeck.json: invalid JSON at byte ") == true)
        #expect(refusal("") == "tapedeck.json: invalid JSON at byte 0: unexpected end of input, expected a value")
        #expect(refusal("{\"quiet\": true}\n{}")?.hasPrefix("tapedeck.json: invalid JSON at byte 16: ") == true)
    }

    @Test func aMissingFileIsNoneAndAnUnreadableOneIsRefused() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        #expect(try ConfigFile.load(path: scratch("absent.json"), name: "absent.json", specs: ServeOptions.specs) == nil)
        try CassetteFixtures.write(Array(#"{"port": 1}"#.utf8), to: scratch("present.json"))
        #expect(try ConfigFile.load(path: scratch("present.json"), name: "present.json", specs: ServeOptions.specs) == ["port": ["1"]])
        try FileIO.makeDirectories(scratch("dir.json"))
        #expect(throws: UsageError("dir.json: cannot read it: read: Is a directory")) {
            try ConfigFile.load(path: scratch("dir.json"), name: "dir.json", specs: ServeOptions.specs)
        }
    }
}
