import Foundation
import Testing
@testable import TapedeckCodec
import TapedeckHTTP
@testable import TapedeckUpstream

/// AWS's published SigV4 test suite: canonical request, string to sign and Authorization for each vector.
@Suite struct SigV4SignerTests {
    private func check(_ vector: SigV4SuiteVector, with signer: SigV4Signer) throws {
        let canonical = signer.canonicalRequest(
            method: vector.method, url: vector.url, headers: vector.headers, body: vector.body, date: SigV4Suite.date
        )
        #expect(canonical == vector.canonicalRequest, "\(vector.name): \(vector.rule)")
        #expect(signer.stringToSign(canonicalRequest: canonical, date: SigV4Suite.date) == vector.stringToSign)
        let sent = try signer.sign(
            method: vector.method, url: vector.url, headers: vector.headers, body: vector.body, date: SigV4Suite.date
        )
        #expect(sent.values("Authorization") == [vector.authorization], "\(vector.name): \(vector.rule)")
        #expect(sent.values("Host") == ["example.amazonaws.com"])
        #expect(sent.values("X-Amz-Date") == ["20150830T123600Z"])
    }

    @Test(arguments: SigV4Suite.vectors)
    func suiteVector(_ vector: SigV4SuiteVector) throws {
        try check(vector, with: SigV4Suite.signer())
    }

    @Test func postSTSTokenSignsTheSessionToken() throws {
        let signer = SigV4Suite.signer(sessionToken: SigV4Suite.sessionToken)
        try check(SigV4Suite.postSTSToken, with: signer)
        let sent = try signer.sign(method: "POST", url: "https://example.amazonaws.com/", headers: HTTPHeaders(), body: [], date: SigV4Suite.date)
        #expect(sent.values("X-Amz-Security-Token") == [SigV4Suite.sessionToken])
    }

    @Test func getUTF8WithTheWirePath() throws {
        // On the wire the suite's `/ሴ` is `/%E1%88%B4`. S3's single encoding turns that into the suite's answer.
        let vector = try #require(SigV4Suite.vectors.first { $0.name == "get-utf8" })
        let wire = SigV4SuiteVector(
            name: "get-utf8 (wire path, single encoding)", rule: "S3: each segment decoded, then encoded once",
            method: "GET", url: "https://example.amazonaws.com/%E1%88%B4", headers: vector.headers,
            canonicalRequest: vector.canonicalRequest, stringToSign: vector.stringToSign, authorization: vector.authorization
        )
        try check(wire, with: SigV4Suite.signer(doubleEncodePath: false))
        // Every other service encodes the wire path once more, as botocore and the service itself do.
        let doubled = SigV4Suite.signer().canonicalRequest(
            method: "GET", url: wire.url, headers: wire.headers, body: [], date: SigV4Suite.date
        )
        #expect(doubled.split(separator: "\n", omittingEmptySubsequences: false)[1] == "/%25E1%2588%25B4")
    }

    @Test func singleEncodingOfARawPathMatchesTheSuiteToo() throws {
        let vector = try #require(SigV4Suite.vectors.first { $0.name == "get-utf8" })
        try check(vector, with: SigV4Suite.signer(doubleEncodePath: false))
    }

    @Test func singleEncodingDoesNotNormalizeThePath() throws {
        let canonical = SigV4Suite.signer(doubleEncodePath: false).canonicalRequest(
            method: "GET", url: "https://example.amazonaws.com//example//", headers: HTTPHeaders(), body: [], date: SigV4Suite.date
        )
        #expect(canonical.hasPrefix("GET\n//example//\n"))
    }

    @Test func sendsTheCallersHeadersThenTheSignature() throws {
        let form = try #require(SigV4Suite.vectors.first { $0.name == "post-x-www-form-urlencoded" })
        let sent = try SigV4Suite.signer().sign(
            method: "POST", url: "https://example.amazonaws.com/",
            headers: HTTPHeaders([(name: "Content-Type", value: "application/x-www-form-urlencoded"), (name: "User-Agent", value: "test")]),
            body: Array("Param1=value1".utf8), date: SigV4Suite.date
        )
        #expect(sent.map(\.name) == ["Content-Type", "User-Agent", "Host", "X-Amz-Date", "Authorization"])
        // botocore never signs User-Agent, so the suite's signature still holds with it present.
        #expect(sent.values("Authorization") == [form.authorization])
    }

    @Test func theDateIsFormattedInUTCWithWholeSeconds() throws {
        #expect(SigV4Signer.amzDate(epochSeconds: 1_440_938_160) == "20150830T123600Z")
        #expect(SigV4Signer.amzDate(epochSeconds: 0) == "19700101T000000Z")
        #expect(SigV4Signer.amzDate(epochSeconds: 951_782_400) == "20000229T000000Z")
        #expect(SigV4Signer.amzDate(epochSeconds: 253_402_300_799) == "99991231T235959Z")
    }

    @Test func theSigningKeyChangesWithDayRegionAndService() throws {
        let key = SigV4Suite.signer().signingKey(day: "20150830")
        #expect(key.count == 32)
        // AWS's documented example of the derived key for these credentials, 20150830, us-east-1 and iam.
        let iam = SigV4Signer(
            credentials: AWSCredentials(accessKeyId: SigV4Suite.accessKeyId, secretAccessKey: SigV4Suite.secretAccessKey),
            region: "us-east-1", service: "iam"
        )
        #expect(SHA256.hex(iam.signingKey(day: "20150830"))
            == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        #expect(key != SigV4Suite.signer().signingKey(day: "20150831"))
    }
}
