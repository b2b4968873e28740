import Testing
import TapedeckSystem
import TapedeckTestSupport
@testable import TapedeckUpstream

/// IMDSv2 against a loopback fake: a PUT for the session token, then GETs carrying it for the role and its keys.
@Suite struct InstanceMetadataCredentialsTests {
    typealias F = CredentialFixtures

    /// A fake metadata service: a token for a PUT with a TTL header, the role and its credentials for GETs with it.
    static func fakeService(tokenStatus: Int = 200) throws -> TestOrigin {
        try TestOrigin { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                guard request.header("X-aws-ec2-metadata-token-ttl-seconds") == "21600" else { return .response(status: 400) }
                return tokenStatus == 200 ? .ok("imds-session-token") : .response(status: tokenStatus)
            case ("GET", _) where tokenStatus == 200 && request.header("X-aws-ec2-metadata-token") != "imds-session-token":
                return .response(status: 401)
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return .ok("tapedeck-role\n")
            case ("GET", "/latest/meta-data/iam/security-credentials/tapedeck-role"):
                return .ok(F.document(keyId: "ASIAIMDS", expiration: 2_000_000_000, process: false))
            default:
                return .response(status: 404)
            }
        }
    }

    @Test func putsForATokenThenGetsTheRoleAndItsCredentialsWithIt() throws {
        let origin = try Self.fakeService()
        defer { origin.stop() }
        let provider = InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": origin.baseURL + "/"])
        let found = try #require(try provider.load())
        #expect(found.credentials.accessKeyId == "ASIAIMDS")
        #expect(found.credentials.sessionToken == F.token)
        #expect(found.expiration == 2_000_000_000)
        #expect(origin.requests.map { "\($0.method) \($0.path)" } == [
            "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/tapedeck-role",
        ])
        #expect(origin.requests.dropFirst().allSatisfy { $0.header("X-aws-ec2-metadata-token") == "imds-session-token" })
    }

    @Test func withoutTokenSupportItFallsBackToIMDSv1() throws {
        let origin = try Self.fakeService(tokenStatus: 404)
        defer { origin.stop() }
        let provider = InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": origin.baseURL])
        #expect(try provider.load()?.credentials.accessKeyId == "ASIAIMDS")
        #expect(origin.requests.dropFirst().allSatisfy { $0.header("X-aws-ec2-metadata-token") == nil })
    }

    @Test func disabledOrAbsentIsNoCredentialsNotAnError() throws {
        let origin = try Self.fakeService()
        defer { origin.stop() }
        let disabled = InstanceMetadataCredentials(environment: [
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": origin.baseURL, "AWS_EC2_METADATA_DISABLED": "TRUE",
        ])
        #expect(try disabled.load() == nil)
        #expect(disabled.notFound == "AWS_EC2_METADATA_DISABLED=true")
        #expect(origin.requests.isEmpty)
        let absent = InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1"])
        #expect(try absent.load() == nil)
        #expect(absent.notFound == "no answer from http://127.0.0.1:1")
        #expect(InstanceMetadataCredentials(environment: [:]).endpoint == "http://169.254.169.254")
        #expect(InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"]).endpoint == "http://[fd00:ec2::254]")
    }

    @Test func anInstanceWithoutARoleIsAnError() throws {
        let origin = try TestOrigin { request in request.method == "PUT" ? .ok("t") : .response(status: 404) }
        defer { origin.stop() }
        #expect(throws: CredentialError(
            "EC2 instance metadata \(origin.baseURL): no instance role (GET /latest/meta-data/iam/security-credentials/ answered HTTP 404)")) {
            try InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": origin.baseURL]).load()
        }
    }
}
