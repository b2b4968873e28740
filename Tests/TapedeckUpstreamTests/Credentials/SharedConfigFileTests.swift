import Testing
@testable import TapedeckUpstream

/// The shared files' INI dialect, read as botocore's configparser reads it, with limits on outside bytes.
@Suite struct SharedConfigFileTests {
    private func parse(_ text: String, limits: SharedConfigFile.Limits = .init()) throws(CredentialError) -> SharedConfigFile {
        try SharedConfigFile(parsing: Array(text.utf8), origin: "credentials", limits: limits)
    }

    @Test func readsSectionsKeysCommentsAndBlankLines() throws {
        let file = try parse("""
            # a comment
            ; another
            [default]
            aws_access_key_id = AKIDDEFAULT
            AWS_Secret_Access_Key=secret = with equals

            [profile dev]\r
            region: eu-west-1\r
              [  spaced  ]
            """)
        #expect(file.order == ["default", "profile dev"])
        #expect(file.value("aws_access_key_id", in: "default") == "AKIDDEFAULT")
        #expect(file.value("aws_secret_access_key", in: "default") == "secret = with equals", "keys lower-cased, first = splits")
        #expect(file.value("region", in: "profile dev") == "eu-west-1\n[  spaced  ]", "a colon splits too, CRLF ends a line, an indented line continues")
    }

    @Test func indentedLinesContinueAValueOrFormANestedBlockThatIsSkipped() throws {
        let file = try parse("""
            [default]
            s3 =
              max_concurrent_requests = 10
            note = first
              second
            region = us-west-2
            """)
        #expect(file.value("s3", in: "default") == "")
        #expect(file.value("max_concurrent_requests", in: "default") == nil)
        #expect(file.value("note", in: "default") == "first\nsecond")
        #expect(file.value("region", in: "default") == "us-west-2")
    }

    @Test func aSectionNamedTwiceIsOneSectionLaterKeysWinning() throws {
        let file = try parse("[a]\nx = 1\ny = 2\n[b]\n[a]\nx = 3\n")
        #expect(file.order == ["a", "b"])
        #expect(file.sections["a"] == ["x": "3", "y": "2"])
    }

    @Test func aMalformedLineIsNamedByNumberNeverQuoted() throws {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        for (text, expected) in [
            ("[default]\naws_access_key_id = A\n\(secret)\n", "credentials line 3 is neither [section], key = value nor a comment"),
            ("\(secret) = x\n", "credentials line 1 sets a key before any [section]"),
            ("[default]\n[\(secret)\n", "credentials line 2: a section header needs a name between [ and ]"),
            ("[default]\n= \(secret)\n", "credentials line 2 is neither [section], key = value nor a comment"),
        ] {
            do {
                _ = try parse(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.message == expected)
                #expect(!error.message.contains(secret))
            }
        }
    }

    @Test func limitsBoundSizeLinesSectionsAndKeys() throws {
        var limits = SharedConfigFile.Limits()
        limits.maxBytes = 64
        #expect(throws: CredentialError("credentials is larger than 64 bytes")) { try parse(String(repeating: "#", count: 65), limits: limits) }
        limits = SharedConfigFile.Limits()
        limits.maxLineBytes = 10
        #expect(throws: CredentialError("credentials line 2 is longer than 10 bytes")) { try parse("[a]\nkey = 12345678\n", limits: limits) }
        limits = SharedConfigFile.Limits()
        limits.maxSections = 2
        #expect(throws: CredentialError("credentials has more than 2 sections")) { try parse("[a]\n[b]\n[c]\n", limits: limits) }
        #expect(try parse("[a]\n[b]\n[a]\n", limits: limits).order == ["a", "b"])
        limits = SharedConfigFile.Limits()
        limits.maxKeysPerSection = 2
        #expect(throws: CredentialError("credentials section [a] has more than 2 keys")) { try parse("[a]\nx=1\ny=2\nz=3\n", limits: limits) }
        #expect(try parse("[a]\nx=1\ny=2\nx=3\n", limits: limits).sections["a"]?.count == 2)
    }

    @Test func aMissingFileIsNoFileAndAnUnreadableOneIsAnError() throws {
        #expect(try SharedConfigFile.load(path: "/nonexistent/tapedeck/credentials") == nil)
        #expect(throws: CredentialError.self) { try SharedConfigFile.load(path: "/") }
    }
}
