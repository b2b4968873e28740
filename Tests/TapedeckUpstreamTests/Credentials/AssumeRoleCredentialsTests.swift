import Testing
import TapedeckHTTP
import TapedeckSystem
import TapedeckTestSupport
@testable import TapedeckUpstream

/// `role_arn` profiles: STS AssumeRole against a loopback fake, signed with the source profile's credentials.
@Suite struct AssumeRoleCredentialsTests {
    typealias F = CredentialFixtures

    /// A fake STS answering each role with credentials named after it (`ASIA` + the role's name), valid an hour.
    static func fakeSTS(status: Int = 200) throws -> TestOrigin {
        try TestOrigin { request in
            guard status == 200 else {
                return .response(status: status, body: Array("""
                    <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
                    <Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/dev is not authorized to \
                    perform: sts:AssumeRole &amp; more</Message></Error><RequestId>r</RequestId></ErrorResponse>
                    """.utf8))
            }
            let role = request.bodyText.split(separator: "&").first { $0.hasPrefix("RoleArn=") }?.split(separator: "%2F").last ?? "none"
            return .ok("""
                <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>\
                <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn</Arn></AssumedRoleUser><Credentials>\
                <AccessKeyId>ASIA\(role.uppercased())</AccessKeyId><SecretAccessKey>secret-\(role)</SecretAccessKey>\
                <SessionToken>token-\(role)+/=</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
                </AssumeRoleResult></AssumeRoleResponse>
                """)
        }
    }

    private func environment(_ fixtures: F, sts: TestOrigin, profile: String) -> [String: String] {
        var environment = fixtures.environment
        environment["AWS_PROFILE"] = profile
        environment["AWS_ENDPOINT_URL_STS"] = sts.baseURL
        return environment
    }

    @Test func assumesTheRoleWithTheSourceProfilesKeysSignedAsSigV4ForSTS() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let sts = try Self.fakeSTS()
        defer { sts.stop() }
        try fixtures.write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = \(F.secret)\n")
        try fixtures.write("config", """
            [profile admin]
            role_arn = arn:aws:iam::123456789012:role/admin
            source_profile = base
            role_session_name = tapedeck-test
            duration_seconds = 900
            external_id = a b&c
            region = eu-west-1
            """)
        let provider = try ProfileCredentials(environment: environment(fixtures, sts: sts, profile: "admin"))
        #expect(provider.name == "profile admin (role_arn, source profile base (credentials file))")
        let found = try #require(try provider.load())
        #expect(found.credentials.accessKeyId == "ASIAADMIN")
        #expect(found.credentials.secretAccessKey == "secret-admin")
        #expect(found.credentials.sessionToken == "token-admin+/=")
        #expect(found.expiration == Timestamp.parse("2099-01-01T00:00:00Z"))
        let request = try #require(sts.requests.first)
        #expect(request.method == "POST" && request.path == "/")
        #expect(request.bodyText == "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fadmin"
                + "&RoleSessionName=tapedeck-test&DurationSeconds=900&ExternalId=a%20b%26c")
        // The signature is the one the signer makes over what STS received (the signer matches botocore's elsewhere).
        let amzDate = Array(try #require(request.header("X-Amz-Date")))
        #expect(amzDate.count == 16)
        let iso = String(amzDate[0..<4]) + "-" + String(amzDate[4..<6]) + "-" + String(amzDate[6..<8]) + "T"
            + String(amzDate[9..<11]) + ":" + String(amzDate[11..<13]) + ":" + String(amzDate[13..<15]) + "Z"
        let date = try #require(Timestamp.parse(iso))
        let expected = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIDBASE", secretAccessKey: F.secret), region: "eu-west-1", service: "sts")
            .sign(method: "POST", url: sts.baseURL + "/",
                  headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]),
                  body: request.body, date: date, credentials: AWSCredentials(accessKeyId: "AKIDBASE", secretAccessKey: F.secret))
        #expect(request.header("Authorization") == expected["Authorization"])
        #expect(request.header("Authorization")?.contains("Credential=AKIDBASE/") == true)
        #expect(request.header("Authorization")?.contains("/eu-west-1/sts/aws4_request") == true)
    }

    @Test func aRoleWhoseSourceIsARoleAssumesBothInTurn() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let sts = try Self.fakeSTS()
        defer { sts.stop() }
        try fixtures.write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        try fixtures.write("config", """
            [profile outer]
            role_arn = arn:aws:iam::111111111111:role/outer
            source_profile = inner
            [profile inner]
            role_arn = arn:aws:iam::222222222222:role/inner
            source_profile = base
            """)
        let found = try #require(try ProfileCredentials(environment: environment(fixtures, sts: sts, profile: "outer")).load())
        #expect(found.credentials.accessKeyId == "ASIAOUTER")
        #expect(sts.requests.map { $0.header("Authorization")?.contains("Credential=AKIDBASE/") == true } == [true, false])
        #expect(sts.requests.last?.header("Authorization")?.contains("Credential=ASIAINNER/") == true, "the outer role asked as the inner one")
        #expect(sts.requests.last?.header("X-Amz-Security-Token") == "token-inner+/=")
    }

    @Test func aSourceProfileWithKeysSignsWithThemEvenIfItHasARole() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let sts = try Self.fakeSTS()
        defer { sts.stop() }
        try fixtures.write("credentials", "[self]\naws_access_key_id = AKIDSELF\naws_secret_access_key = s\n")
        try fixtures.write("config", "[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n")
        let found = try #require(try ProfileCredentials(environment: environment(fixtures, sts: sts, profile: "self")).load())
        #expect(found.credentials.accessKeyId == "ASIASELF")
        #expect(sts.requests.count == 1)
        #expect(sts.requests.first?.header("Authorization")?.contains("Credential=AKIDSELF/") == true)
    }

    @Test func loopsMFAAndBadSourcesAreRefused() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let sts = try Self.fakeSTS()
        defer { sts.stop() }
        try fixtures.write("config", """
            [profile a]
            role_arn = arn:aws:iam::1:role/a
            source_profile = b
            [profile b]
            role_arn = arn:aws:iam::1:role/b
            source_profile = a
            [profile mfa]
            role_arn = arn:aws:iam::1:role/m
            source_profile = a
            mfa_serial = arn:aws:iam::1:mfa/me
            [profile both]
            role_arn = arn:aws:iam::1:role/x
            source_profile = a
            credential_source = Environment
            """)
        for (profile, message) in [
            ("a", "profile b's source_profile makes a loop: a → b → a"),
            ("mfa", "profile mfa asks for an MFA code (mfa_serial), which --aws-sign cannot prompt for"),
            ("both", "profile both has both source_profile and credential_source; it needs one"),
        ] {
            do {
                _ = try ProfileCredentials(environment: environment(fixtures, sts: sts, profile: profile))
                Issue.record("profile \(profile) was accepted")
            } catch {
                #expect(error.message.hasPrefix(message), "\(error.message)")
            }
        }
        #expect(sts.requests.isEmpty)
    }

    @Test func aCredentialSourceGivesTheCallingCredentials() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let sts = try Self.fakeSTS()
        defer { sts.stop() }
        try fixtures.write("config", "[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\ncredential_source = Environment\n")
        var environment = environment(fixtures, sts: sts, profile: "ci")
        environment["AWS_ACCESS_KEY_ID"] = "AKIDFROMENV"
        environment["AWS_SECRET_ACCESS_KEY"] = "s"
        // Read as the profile's source (the chain itself would take these keys first, as botocore does).
        let provider = try ProfileCredentials(environment: environment)
        #expect(try provider.load()?.credentials.accessKeyId == "ASIACI")
        #expect(sts.requests.first?.header("Authorization")?.contains("Credential=AKIDFROMENV/") == true)
        #expect(sts.requests.first?.header("Authorization")?.contains("/us-east-1/sts/aws4_request") == true, "no region: us-east-1")
    }

    @Test func anSTSErrorShowsItsCodeAndMessage() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let sts = try Self.fakeSTS(status: 403)
        defer { sts.stop() }
        try fixtures.write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = \(F.secret)\n")
        try fixtures.write("config", "[profile admin]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = base\n")
        #expect(throws: CredentialError("profile admin: STS AssumeRole arn:aws:iam::1:role/admin at \(sts.baseURL) answered HTTP 403: "
            + "AccessDenied: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole & more")) {
            try ProfileCredentials(environment: environment(fixtures, sts: sts, profile: "admin")).load()
        }
    }

    @Test func theDefaultEndpointIsRegionalElseGlobal() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        try fixtures.write("credentials", "[base]\naws_access_key_id = A\naws_secret_access_key = s\n")
        try fixtures.write("config", "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n")
        var environment = fixtures.environment
        environment["AWS_PROFILE"] = "r"
        guard case .assumeRole(let global) = try ProfileCredentials(environment: environment).kind else { Issue.record("no role"); return }
        #expect(global.endpoint == "https://sts.amazonaws.com" && global.signingRegion == "us-east-1")
        environment["AWS_REGION"] = "ap-southeast-2"
        guard case .assumeRole(let regional) = try ProfileCredentials(environment: environment).kind else { Issue.record("no role"); return }
        #expect(regional.endpoint == "https://sts.ap-southeast-2.amazonaws.com" && regional.signingRegion == "ap-southeast-2")
    }
}
