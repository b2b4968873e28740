import Testing
@testable import TapedeckUpstream

/// STS's XML answers: the credentials' four elements, entities decoded, an error's code and message on one line.
@Suite struct STSResponseTests {
    @Test func readsTheCredentialsAndDecodesEntities() throws {
        let xml = "<R><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>a&amp;b&#47;c&#x2B;</SecretAccessKey>"
            + "<SessionToken>t&lt;&gt;&quot;&apos;</SessionToken><Expiration>2026-01-01T00:00:00Z</Expiration></Credentials></R>"
        let found = try STSResponse.credentials(Array(xml.utf8), origin: "sts")
        #expect(found.credentials.secretAccessKey == "a&b/c+")
        #expect(found.credentials.sessionToken == "t<>\"'")
        #expect(found.expiration == 1_767_225_600)
    }

    @Test func aMissingOrMalformedElementIsNamedWithoutItsValue() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        for (xml, message) in [
            ("<R></R>", "sts: its answer has no Credentials"),
            ("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>\(secret)</SecretAccessKey></Credentials>", "sts: its answer has no usable SessionToken"),
            ("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>\(secret)&bogus;</SecretAccessKey></Credentials>", "sts: its answer has no usable SecretAccessKey"),
            ("<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>\(secret)</SecretAccessKey><SessionToken>t</SessionToken>"
                + "<Expiration>\(secret)</Expiration></Credentials>", "sts: its Expiration is not an RFC 3339 time"),
        ] {
            #expect(throws: CredentialError(message)) { try STSResponse.credentials(Array(xml.utf8), origin: "sts") }
        }
    }

    @Test func anErrorIsItsCodeAndMessageOnOneBoundedLine() {
        #expect(STSResponse.error(Array("<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security token\nexpired</Message></Error></ErrorResponse>".utf8))
                == "ExpiredToken: The security token expired")
        #expect(STSResponse.error(Array("<Error><Code>Throttling</Code></Error>".utf8)) == "Throttling")
        #expect(STSResponse.error(Array("<html>503</html>".utf8)) == nil)
        let long = STSResponse.error(Array("<Error><Code>C</Code><Message>\(String(repeating: "m", count: 1000))</Message></Error>".utf8))
        #expect(long?.count == 301)
    }
}
