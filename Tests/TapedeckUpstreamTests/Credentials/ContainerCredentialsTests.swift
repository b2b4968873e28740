import Testing
import TapedeckTestSupport
@testable import TapedeckUpstream

/// The container credentials endpoint, against a loopback fake: the token arrives, the answer is read, hosts checked.
@Suite struct ContainerCredentialsTests {
    typealias F = CredentialFixtures

    @Test func fetchesFromAFullURIWithTheAuthorizationToken() throws {
        let origin = try TestOrigin { _ in .ok(F.document(token: F.token, expiration: 2_000_000_000, process: false)) }
        defer { origin.stop() }
        let provider = ContainerCredentials(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": origin.url("/v2/credentials/abc"),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "pod-identity-token",
        ])
        let found = try #require(try provider.load())
        #expect(found.credentials.accessKeyId == F.keyId)
        #expect(found.credentials.secretAccessKey == F.secret)
        #expect(found.credentials.sessionToken == F.token)
        #expect(found.expiration == 2_000_000_000)
        let request = try #require(origin.requests.first)
        #expect(request.method == "GET" && request.path == "/v2/credentials/abc")
        #expect(request.header("Authorization") == "pod-identity-token")
    }

    @Test func theTokenFileWinsOverTheTokenAndIsReadAtEachFetch() throws {
        let fixtures = try F()
        defer { fixtures.remove() }
        let origin = try TestOrigin { _ in .ok(F.document(process: false)) }
        defer { origin.stop() }
        let file = try fixtures.write("token", "from-the-file\n")
        let provider = ContainerCredentials(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": origin.url("/creds"),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-the-variable",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": file,
        ])
        _ = try provider.load()
        try fixtures.write("token", "rotated")
        _ = try provider.load()
        #expect(origin.requests.map { $0.header("Authorization") } == ["from-the-file", "rotated"])
    }

    @Test func aRelativeURIIsOnTheECSAddress() throws {
        let provider = ContainerCredentials(environment: [
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/xyz",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/ignored",
        ])
        #expect(try provider.endpoint() == "http://169.254.170.2/v2/credentials/xyz")
        #expect(try ContainerCredentials(environment: [:]).load() == nil)
    }

    @Test func aFullURIOverHTTPMustNameLoopbackOrTheEndpointsOwnHosts() throws {
        for allowed in ["http://127.0.0.1:80/x", "http://127.1.2.3/x", "http://[::1]:9/x", "http://localhost/x",
                        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/x", "https://169.254.170.2/x",
                        "https://credentials.example.com/x"] {
            #expect(try ContainerCredentials(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": allowed]).endpoint() == allowed)
        }
        for refused in ["http://attacker.example/x", "http://10.0.0.1/x", "http://127.0.0.1.attacker.example/x", "file:///etc/passwd"] {
            #expect(throws: CredentialError.self, "\(refused)") {
                try ContainerCredentials(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": refused]).endpoint()
            }
        }
    }

    @Test func anErrorAnswerOrAClosedPortFailsWithoutShowingTheToken() throws {
        let origin = try TestOrigin { _ in .response(status: 403, body: Array(#"{"message": "bad token"}"#.utf8)) }
        defer { origin.stop() }
        var environment = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": origin.url("/creds"), "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret-token"]
        #expect(throws: CredentialError("container endpoint \(origin.url("/creds")) answered HTTP 403")) {
            try ContainerCredentials(environment: environment).load()
        }
        environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "line\r\nX-Injected: 1"
        #expect(throws: CredentialError("the container authorization token holds a line break or control character")) {
            try ContainerCredentials(environment: environment).load()
        }
        let closed = ContainerCredentials(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds"])
        do {
            _ = try closed.load()
            Issue.record("a closed port gave credentials")
        } catch {
            #expect(error.message.hasPrefix("http://127.0.0.1:1/creds: "))
        }
    }
}
