import Testing
@testable import TapedeckUpstream

/// The JSON documents sources answer with: the fields each shape needs, errors that show no value.
@Suite struct CredentialDocumentTests {
    typealias F = CredentialFixtures

    private func parse(_ text: String, _ shape: CredentialDocument.Shape = .process) throws -> TimedCredentials {
        try CredentialDocument.parse(Array(text.utf8), shape: shape, origin: "source")
    }

    @Test func readsBothShapes() throws {
        let process = try parse(F.document(expiration: 1_767_225_600))
        #expect(process.credentials.accessKeyId == F.keyId && process.credentials.sessionToken == F.token)
        #expect(process.expiration == 1_767_225_600)
        let metadata = try parse(#"{"Code": "Success", "LastUpdated": "2026-01-01T00:00:00Z", "Type": "AWS-HMAC", "AccessKeyId": "A", "SecretAccessKey": "S", "Token": "T", "Expiration": "2026-01-01T06:00:00.123+01:00"}"#, .metadata)
        #expect(metadata.credentials.sessionToken == "T")
        #expect(metadata.expiration == 1_767_225_600 + 5 * 3600)
    }

    @Test func eachMissingOrWrongFieldIsNamedWithoutItsValue() {
        for (text, shape, message) in [
            (#"{"Version": 1, "SecretAccessKey": "\#(F.secret)"}"#, CredentialDocument.Shape.process, "source: its output has no AccessKeyId"),
            (#"{"Version": 1, "AccessKeyId": "A"}"#, .process, "source: its output has no SecretAccessKey"),
            (#"{"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "\#(F.secret)"}"#, .process, "source: its output needs \"Version\": 1"),
            (#"{"Version": 1, "AccessKeyId": 7, "SecretAccessKey": "\#(F.secret)"}"#, .process, "source: its AccessKeyId is not a string"),
            (#"{"Version": 1, "AccessKeyId": "A\nB", "SecretAccessKey": "\#(F.secret)"}"#, .process, "source: its AccessKeyId holds a control character"),
            (#"{"Code": "AssumeRoleUnauthorizedAccess", "AccessKeyId": "A", "SecretAccessKey": "S"}"#, .metadata, "source: its answer's Code is not Success"),
            (#"["\#(F.secret)"]"#, .process, "source: its output is not a JSON object"),
            (#"{"Version": 1, "SecretAccessKey": "\#(F.secret)""#, .process, "source: its output is not valid JSON (at byte 76)"),
        ] {
            #expect(throws: CredentialError(message), "\(message)") { try CredentialDocument.parse(Array(text.utf8), shape: shape, origin: "source") }
        }
    }
}
