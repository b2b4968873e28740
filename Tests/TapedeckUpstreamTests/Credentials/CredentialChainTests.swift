import Testing
import TapedeckTestSupport
@testable import TapedeckUpstream

/// The SDKs' order: environment, profile, container endpoint, instance metadata; errors name every source tried.
@Suite struct CredentialChainTests {
    typealias F = CredentialFixtures

    private func keyId(_ environment: [String: String]) throws -> String {
        guard case .keys(let source) = try CredentialChain(environment: environment).resolve() else {
            Issue.record("expected SigV4 credentials")
            return ""
        }
        return source.latest.credentials.accessKeyId
    }

    @Test func eachSourceIsUsedOnlyWhenTheOnesBeforeItHaveNothing() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let container = try TestOrigin { _ in .ok(F.document(keyId: "ASIACONTAINER", expiration: 2_000_000_000, process: false)) }
        defer { container.stop() }
        let metadata = try InstanceMetadataCredentialsTests.fakeService()
        defer { metadata.stop() }
        var environment = fixtures.environment
        environment["AWS_EC2_METADATA_DISABLED"] = nil
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = metadata.baseURL
        #expect(try keyId(environment) == "ASIAIMDS")
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url("/creds")
        #expect(try keyId(environment) == "ASIACONTAINER")
        try fixtures.write("credentials", "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n")
        #expect(try keyId(environment) == "AKIDPROFILE")
        environment["AWS_ACCESS_KEY_ID"] = "AKIDENV"
        environment["AWS_SECRET_ACCESS_KEY"] = "s"
        #expect(try keyId(environment) == "AKIDENV")
        environment["AWS_BEARER_TOKEN_BEDROCK"] = "bedrock-api-key"
        guard case .bearer(let token) = try CredentialChain(environment: environment).resolve() else {
            Issue.record("expected the Bedrock API key first")
            return
        }
        #expect(token == "bedrock-api-key")
    }

    @Test func nothingAnywhereNamesEverySourceTriedInOrder() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        #expect(throws: CredentialError(
            "no AWS credentials for --aws-sign: tried environment (AWS_BEARER_TOKEN_BEDROCK, AWS_ACCESS_KEY_ID and "
                + "AWS_SECRET_ACCESS_KEY not set), profile default (not in \(fixtures.scratch("credentials")) or "
                + "\(fixtures.scratch("config"))), container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                + "AWS_CONTAINER_CREDENTIALS_FULL_URI not set), EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)")) {
            try CredentialChain(environment: fixtures.environment).resolve()
        }
    }

    @Test func aSourceThatFailsStopsTheChainAndTheErrorShowsNoSecret() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let script = try fixtures.script("creds.sh", "echo '{\"Version\": 2, \"AccessKeyId\": \"\(F.keyId)\", \"SecretAccessKey\": \"\(F.secret)\"}'")
        try fixtures.write("config", "[default]\ncredential_process = \(script)\n")
        let container = try TestOrigin { _ in .ok(F.document(process: false)) }
        defer { container.stop() }
        var environment = fixtures.environment
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url("/creds")
        do {
            _ = try CredentialChain(environment: environment).resolve()
            Issue.record("a failing credential_process fell through to the container endpoint")
        } catch {
            #expect(error.message == "no usable AWS credentials for --aws-sign: tried environment (AWS_BEARER_TOKEN_BEDROCK, "
                + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set), then profile default: credential_process \(script): "
                + "its output needs \"Version\": 1")
            #expect(!error.message.contains(F.secret))
        }
        #expect(container.requests.isEmpty)
    }

    @Test func temporaryCredentialsAreFetchedAgainFromTheSourceThatGaveThem() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        // Each run prints a new key id; the credentials expire in five minutes (inside the mandatory window).
        let script = try fixtures.script("creds.sh", """
            n=$(cat "\(fixtures.scratch("count"))" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "\(fixtures.scratch("count"))"
            expires=$(date -u -d @$(( $(date +%s) + 300 )) +%Y-%m-%dT%H:%M:%SZ)
            echo "{\\"Version\\": 1, \\"AccessKeyId\\": \\"ASIARUN$n\\", \\"SecretAccessKey\\": \\"s\\", \\"Expiration\\": \\"$expires\\"}"
            """)
        try fixtures.write("config", "[default]\ncredential_process = \(script)\n")
        guard case .keys(let source) = try CredentialChain(environment: fixtures.environment).resolve() else {
            Issue.record("expected SigV4 credentials")
            return
        }
        #expect(source.sourceName == "profile default (credential_process)")
        #expect(source.latest.credentials.accessKeyId == "ASIARUN1")
        let signer = SigV4Signer(source: source, region: "us-east-1")
        let signed = try signer.sign(method: "POST", url: "https://bedrock-runtime.us-east-1.amazonaws.com/", headers: .init(), body: [], date: 0)
        #expect(signed["Authorization"]?.contains("Credential=ASIARUN2/") == true, "the signature used the credentials fetched for it")
    }

    @Test func credentialsThatHaveAlreadyExpiredAreRefusedAtStartUp() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let script = try fixtures.script("creds.sh", "echo '\(F.document(expiration: 1_700_000_000))'")
        try fixtures.write("config", "[default]\ncredential_process = \(script)\n")
        #expect(throws: CredentialError("no usable AWS credentials for --aws-sign: tried environment (AWS_BEARER_TOKEN_BEDROCK, "
            + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set), then profile default (credential_process) gave "
            + "credentials that expired at 2023-11-14T22:13:20Z")) {
            try CredentialChain(environment: fixtures.environment).resolve()
        }
    }

    @Test func theStartUpSummaryNamesKeySourceAndRegionButNoSecret() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        try fixtures.write("credentials", "[default]\naws_access_key_id = \(F.keyId)\naws_secret_access_key = \(F.secret)\naws_session_token = \(F.token)\n")
        guard case .keys(let source) = try CredentialChain(environment: fixtures.environment).resolve() else {
            Issue.record("expected SigV4 credentials")
            return
        }
        let summary = UpstreamAuth.sigV4(SigV4Signer(source: source, region: "eu-west-1")).summary
        #expect(summary == "SigV4 as AKID…(redacted) with a session token from profile default (credentials file) in eu-west-1")
        var dumped = ""
        dump(source, to: &dumped)
        for text in [summary, dumped, String(describing: source), String(reflecting: source.latest)] {
            #expect(!text.contains(F.secret) && !text.contains(F.token))
        }
    }
}
