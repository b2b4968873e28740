import Testing
@testable import TapedeckUpstream

/// A profile's credentials in botocore's order: credentials-file keys, credential_process, config-file keys.
@Suite struct ProfileCredentialsTests {
    typealias F = CredentialFixtures

    @Test func keysInTheCredentialsFileComeFirst() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        try fixtures.write("credentials", "[dev]\naws_access_key_id = AKIDFILE\naws_secret_access_key = \(F.secret)\naws_session_token = \(F.token)\n")
        try fixtures.write("config", "[profile dev]\ncredential_process = /bin/false\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = x\n")
        var environment = fixtures.environment
        environment["AWS_PROFILE"] = "dev"
        let provider = try ProfileCredentials(environment: environment)
        #expect(provider.name == "profile dev (credentials file)")
        let found = try #require(try provider.load())
        #expect(found.credentials.accessKeyId == "AKIDFILE")
        #expect(found.credentials.secretAccessKey == F.secret)
        #expect(found.credentials.sessionToken == F.token)
        #expect(found.expiration == nil)
    }

    @Test func credentialProcessRunsBeforeConfigFileKeys() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let script = try fixtures.script("creds.sh", "echo '\(F.document(keyId: "ASIAPROCESS", expiration: 2_000_000_000))'")
        try fixtures.write("config", "[default]\ncredential_process = \(script)\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = x\n")
        let provider = try ProfileCredentials(environment: fixtures.environment)
        #expect(provider.name == "profile default (credential_process)")
        let found = try #require(try provider.load())
        #expect(found.credentials.accessKeyId == "ASIAPROCESS")
        #expect(found.expiration == 2_000_000_000)
    }

    @Test func keysInTheConfigFileComeLast() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        try fixtures.write("config", "[profile ci]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = \(F.secret)\n")
        var environment = fixtures.environment
        environment["AWS_PROFILE"] = "ci"
        let provider = try ProfileCredentials(environment: environment)
        #expect(provider.name == "profile ci (config file)")
        #expect(try provider.load()?.credentials.accessKeyId == "AKIDCONFIG")
    }

    @Test func aNamedProfileThatIsNowhereIsAnErrorTheDefaultOneIsNot() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        try fixtures.write("credentials", "[other]\naws_access_key_id = A\naws_secret_access_key = B\n")
        let absent = try ProfileCredentials(environment: fixtures.environment)
        #expect(try absent.load() == nil)
        #expect(absent.notFound == "not in \(fixtures.scratch("credentials")) or \(fixtures.scratch("config"))")
        var environment = fixtures.environment
        environment["AWS_PROFILE"] = "typo"
        #expect(throws: CredentialError("profile typo (AWS_PROFILE) is not in \(fixtures.scratch("credentials")) or \(fixtures.scratch("config"))")) {
            try ProfileCredentials(environment: environment)
        }
    }

    @Test func ssoAndWebIdentityAreRefusedWithTheWayRound() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        try fixtures.write("config", "[profile corp]\nsso_session = corp\nsso_account_id = 123456789012\n"
                          + "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/Web\nweb_identity_token_file = /var/token\n")
        for (name, what) in [("corp", "uses IAM Identity Center (sso_session)"), ("web", "uses a web identity token (web_identity_token_file)")] {
            var environment = fixtures.environment
            environment["AWS_PROFILE"] = name
            do {
                _ = try ProfileCredentials(environment: environment)
                Issue.record("profile \(name) was accepted")
            } catch {
                #expect(error.message.contains("profile \(name) \(what), which --aws-sign does not support"))
                #expect(error.message.contains("aws configure export-credentials --profile \(name) --format process"))
            }
        }
    }

    @Test func aKeyIdWithoutItsSecretIsAnError() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        try fixtures.write("credentials", "[default]\naws_access_key_id = AKIDALONE\n")
        #expect(throws: CredentialError("profile default in \(fixtures.scratch("credentials")) has aws_access_key_id but no aws_secret_access_key")) {
            try ProfileCredentials(environment: fixtures.environment)
        }
    }
}
