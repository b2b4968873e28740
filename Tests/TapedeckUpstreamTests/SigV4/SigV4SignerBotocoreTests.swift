import Foundation
import Testing
import TapedeckHTTP
@testable import TapedeckUpstream
import TapedeckTestSupport

/// Byte-for-byte agreement with botocore 1.43's `SigV4Auth` signing a Bedrock Converse request, and the
/// signer's hygiene: client signatures dropped, the secret never sent. The expected values were printed once by a
/// python3 script using `botocore.auth.SigV4Auth` with `get_current_datetime` pinned to 2024-11-25T17:04:05Z.
@Suite struct SigV4SignerBotocoreTests {
    static let accessKeyId = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQDtokenEXAMPLE+/="
    static let date = 1_732_554_245  // 2024-11-25T17:04:05Z
    static let url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
        + "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
        + "us.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    static let asciiBody = Array(
        #"{"messages":[{"role":"user","content":[{"text":"Hello"}]}],"inferenceConfig":{"maxTokens":64}}"#.utf8
    )
    static let nonASCIIBody = Array(#"{"messages":[{"role":"user","content":[{"text":"Grüße, 世界! 🌍 «ça va?»"}]}]}"#.utf8)
    static let host = "bedrock-runtime.us-east-1.amazonaws.com"
    static let scope = "AKIAIOSFODNN7EXAMPLE/20241125/us-east-1/bedrock/aws4_request"

    private func signer(token: String?) -> SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(accessKeyId: Self.accessKeyId, secretAccessKey: Self.secret, sessionToken: token),
            region: "us-east-1"
        )
    }

    private func sign(token: String?, body: [UInt8], headers: HTTPHeaders? = nil) throws -> [String] {
        try signer(token: token)
            .sign(method: "POST", url: Self.url, headers: headers ?? HTTPHeaders([("Content-Type", "application/json")]),
                  body: body, date: Self.date)
            .map { "\($0.name): \($0.value)" }
    }

    @Test func theCanonicalRequestEncodesTheModelArnTwice() throws {
        let canonical = signer(token: nil).canonicalRequest(
            method: "POST", url: Self.url, headers: HTTPHeaders([("Content-Type", "application/json")]),
            body: Self.asciiBody, date: Self.date
        )
        #expect(canonical == "POST\n/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Ainference-profile"
            + "%252Fus.anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse\n\ncontent-type:application/json\n"
            + "host:bedrock-runtime.us-east-1.amazonaws.com\nx-amz-date:20241125T170405Z\n\ncontent-type;host;x-amz-date\n"
            + "f5b802cc64a01910fd197a46e9e959f3a5795f7728fa5710fb28f1ec3019f545")
        #expect(signer(token: nil).stringToSign(canonicalRequest: canonical, date: Self.date)
            == "AWS4-HMAC-SHA256\n20241125T170405Z\n20241125/us-east-1/bedrock/aws4_request\n"
            + "f584c84fc8473287c88115e230a57f280321be729e4888c26a1f692967c8f096")
    }

    @Test func matchesBotocoreWithoutASessionToken() throws {
        #expect(try sign(token: nil, body: Self.asciiBody) == [
            "Content-Type: application/json", "Host: \(Self.host)", "X-Amz-Date: 20241125T170405Z",
            "Authorization: AWS4-HMAC-SHA256 Credential=\(Self.scope), SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=ddeb95c81ae568fc9ad01ad32e0edc0c06bf75db28ac43f37e3a39dd9fe749bc",
        ])
        #expect(try sign(token: nil, body: Self.nonASCIIBody) == [
            "Content-Type: application/json", "Host: \(Self.host)", "X-Amz-Date: 20241125T170405Z",
            "Authorization: AWS4-HMAC-SHA256 Credential=\(Self.scope), SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=ef46527391e399ad966ed9a8a4b0ba91310212f08bcbfa85fb05bb630ebc6bc9",
        ])
    }

    @Test func matchesBotocoreWithASessionToken() throws {
        let signed = "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"
        #expect(try sign(token: Self.token, body: Self.asciiBody) == [
            "Content-Type: application/json", "Host: \(Self.host)", "X-Amz-Date: 20241125T170405Z",
            "X-Amz-Security-Token: \(Self.token)",
            "Authorization: AWS4-HMAC-SHA256 Credential=\(Self.scope), \(signed), "
                + "Signature=29c3678a6c07ef8dc27e06b317aeb90ca50cd44bf67896113b4b0736b4c6b8fe",
        ])
        #expect(try sign(token: Self.token, body: Self.nonASCIIBody) == [
            "Content-Type: application/json", "Host: \(Self.host)", "X-Amz-Date: 20241125T170405Z",
            "X-Amz-Security-Token: \(Self.token)",
            "Authorization: AWS4-HMAC-SHA256 Credential=\(Self.scope), \(signed), "
                + "Signature=28a221e2fe54be3b5e0c9f7f1b60516fac69ffdd0d6e22447edffd266f0f30a2",
        ])
    }

    /// What boto3 sent the proxy: its own signature, the proxy's Host, and headers botocore signs or skips.
    static let proxiedHeaders = HTTPHeaders([
        (name: "Host", value: "127.0.0.1:4000"),
        (name: "User-Agent", value: "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.12.3"),
        (name: "amz-sdk-invocation-id", value: "0f6a3b1e-8c2d-4e5f-9a7b-1c2d3e4f5a6b"),
        (name: "amz-sdk-request", value: "attempt=1"),
        (name: "x-amz-date", value: "20240101T000000Z"),
        (name: "X-AMZ-SECURITY-TOKEN", value: "client-token"),
        (name: "X-Amz-Content-SHA256", value: "UNSIGNED-PAYLOAD"),
        (name: "authorization", value: "AWS4-HMAC-SHA256 Credential=ASIACLIENT/20240101/us-east-1/bedrock/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=0000"),
        (name: "Content-Type", value: "application/json"),
        (name: "Content-Length", value: "94"),
    ])

    @Test func replacesAClientsSignatureAsBotocoreWouldSign() throws {
        // botocore signed the same headers without the client's Host, X-Amz-* and Authorization.
        #expect(try sign(token: Self.token, body: Self.asciiBody, headers: Self.proxiedHeaders) == [
            "User-Agent: Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.12.3",
            "amz-sdk-invocation-id: 0f6a3b1e-8c2d-4e5f-9a7b-1c2d3e4f5a6b",
            "amz-sdk-request: attempt=1",
            "Content-Type: application/json",
            "Content-Length: 94",
            "Host: \(Self.host)", "X-Amz-Date: 20241125T170405Z", "X-Amz-Security-Token: \(Self.token)",
            "Authorization: AWS4-HMAC-SHA256 Credential=\(Self.scope), SignedHeaders=amz-sdk-invocation-id;"
                + "amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-security-token, "
                + "Signature=086b51450c82143709966a45997e846356da2c55449595361d3e3b41e716ee3d",
        ])
    }

    @Test func dropsClientSignatureHeadersEvenWithoutASessionToken() throws {
        let sent = try signer(token: nil).sign(
            method: "POST", url: Self.url, headers: Self.proxiedHeaders, body: Self.asciiBody, date: Self.date
        )
        let names = sent.map { $0.name.lowercased() }
        for name in ["authorization", "x-amz-date", "host"] {
            #expect(names.filter { $0 == name }.count == 1, "exactly one \(name)")
        }
        #expect(!names.contains("x-amz-security-token"))
        #expect(!names.contains("x-amz-content-sha256"))
        #expect(!sent.contains { $0.value.contains("ASIACLIENT") || $0.value == "client-token" || $0.value == "127.0.0.1:4000" })
    }

    @Test func theSecretIsNeverSentOrShown() throws {
        let signer = signer(token: Self.token)
        let sent = try signer.sign(method: "POST", url: Self.url, headers: Self.proxiedHeaders, body: Self.asciiBody, date: Self.date)
        #expect(!sent.contains { $0.name.contains(Self.secret) || $0.value.contains(Self.secret) })
        var dumped = ""
        dump(signer, to: &dumped)
        for text in [String(describing: signer), String(reflecting: signer), "\(signer.credentials)", dumped] {
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(Self.token))
        }
    }
}
