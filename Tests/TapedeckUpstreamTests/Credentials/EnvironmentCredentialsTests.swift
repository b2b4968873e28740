import Testing
@testable import TapedeckUpstream

/// The environment's key pair: both halves, or neither; half a pair is an error, as in botocore.
@Suite struct EnvironmentCredentialsTests {
    @Test func readsBothHalvesAndTheSessionToken() throws {
        let found = try #require(try EnvironmentCredentials(environment: [
            "AWS_ACCESS_KEY_ID": "ASIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
        ]).load())
        #expect(found.credentials.accessKeyId == "ASIAENV" && found.credentials.sessionToken == "t" && found.expiration == nil)
        #expect(try EnvironmentCredentials(environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""]).load() == nil)
    }

    @Test func halfAPairIsAnErrorThatShowsNeitherHalf() {
        #expect(throws: CredentialError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")) {
            try EnvironmentCredentials(environment: ["AWS_ACCESS_KEY_ID": "AKIDHALF"]).load()
        }
        #expect(throws: CredentialError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")) {
            try EnvironmentCredentials(environment: ["AWS_SECRET_ACCESS_KEY": "secret-half"]).load()
        }
    }
}
