import Foundation
import Testing
import TapedeckHTTP
@testable import TapedeckUpstream

/// One request from AWS's published Signature Version 4 test suite (2015-08-30 edition) and its known answers.
struct SigV4SuiteVector: Sendable, CustomTestStringConvertible {
    let name: String
    /// Which rule of the canonical request the vector pins down.
    let rule: String
    let method: String
    let url: String
    let headers: HTTPHeaders
    var body: [UInt8] = []
    let canonicalRequest: String
    let stringToSign: String
    let authorization: String

    var testDescription: String { name }
}

/// The suite's fixed inputs: credentials, region, service `service` and time 20150830T123600Z.
enum SigV4Suite {
    static let accessKeyId = "AKIDEXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let sessionToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeo"
        + "IYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5V"
        + "SXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yj"
        + "c8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
    static let date = 1_440_938_160  // 2015-08-30T12:36:00Z
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let scope = "20150830/us-east-1/service/aws4_request"

    static func signer(sessionToken: String? = nil, doubleEncodePath: Bool = true) -> SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken),
            region: "us-east-1",
            service: "service",
            doubleEncodePath: doubleEncodePath
        )
    }

    /// The suite sends its own Host and X-Amz-Date; the signer replaces both with equal values.
    static let baseHeaders: [(String, String)] = [
        (name: "Host", value: "example.amazonaws.com"), (name: "X-Amz-Date", value: "20150830T123600Z"),
    ]

    static func sts(_ hash: String) -> String { "AWS4-HMAC-SHA256\n20150830T123600Z\n\(scope)\n\(hash)" }

    static func authz(_ signed: String, _ signature: String) -> String {
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\(scope), SignedHeaders=\(signed), Signature=\(signature)"
    }

    /// The vectors signed without a session token; `get-utf8` also has its own single-encoding test.
    static let vectors: [SigV4SuiteVector] = [
        SigV4SuiteVector(
            name: "get-vanilla", rule: "the minimal request: host and x-amz-date signed, empty payload hash",
            method: "GET", url: "https://example.amazonaws.com/", headers: HTTPHeaders(baseHeaders),
            canonicalRequest: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            stringToSign: sts("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
            authorization: authz("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        ),
        SigV4SuiteVector(
            name: "post-vanilla", rule: "the method heads the canonical request",
            method: "POST", url: "https://example.amazonaws.com/", headers: HTTPHeaders(baseHeaders),
            canonicalRequest: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            stringToSign: sts("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"),
            authorization: authz("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
        ),
        SigV4SuiteVector(
            name: "get-vanilla-query-order-key-case", rule: "query parameters sorted by name (byte order)",
            method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1", headers: HTTPHeaders(baseHeaders),
            canonicalRequest: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
                + "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            stringToSign: sts("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"),
            authorization: authz("host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        ),
        SigV4SuiteVector(
            name: "get-vanilla-utf8-query", rule: "query names percent-encoded as UTF-8 with uppercase hex",
            method: "GET", url: "https://example.amazonaws.com/?ሴ=bar", headers: HTTPHeaders(baseHeaders),
            canonicalRequest: "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\n"
                + "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            stringToSign: sts("eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073"),
            authorization: authz("host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")
        ),
        // The suite's published post-x-www-form-urlencoded.creq lists content-length, which its own sts and authz
        // (and botocore) do not sign; these are the values the signature was made from.
        SigV4SuiteVector(
            name: "post-x-www-form-urlencoded", rule: "the payload hash of a body; content-type is signed",
            method: "POST", url: "https://example.amazonaws.com/",
            headers: HTTPHeaders([(name: "Content-Type", value: "application/x-www-form-urlencoded")] + baseHeaders),
            body: Array("Param1=value1".utf8),
            canonicalRequest: "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
                + "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
                + "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            stringToSign: sts("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"),
            authorization: authz("content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
        ),
        // The suite writes the path unencoded (`GET /ሴ`); encoding it once is both botocore's rule for a raw path
        // and S3's rule for the wire form `/%E1%88%B4` (see SigV4SignerTests.getUTF8WithTheWirePath).
        SigV4SuiteVector(
            name: "get-utf8", rule: "the path encoded once from raw UTF-8",
            method: "GET", url: "https://example.amazonaws.com/ሴ", headers: HTTPHeaders(baseHeaders),
            canonicalRequest: "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            stringToSign: sts("2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"),
            authorization: authz("host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
        ),
        SigV4SuiteVector(
            name: "get-slashes", rule: "path normalization: empty segments removed (double-encoding services only)",
            method: "GET", url: "https://example.amazonaws.com//example//", headers: HTTPHeaders(baseHeaders),
            canonicalRequest: "GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)",
            stringToSign: sts("cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015"),
            authorization: authz("host;x-amz-date", "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84")
        ),
        SigV4SuiteVector(
            name: "get-header-value-trim", rule: "header values trimmed, inner runs of spaces collapsed",
            method: "GET", url: "https://example.amazonaws.com/",
            headers: HTTPHeaders(baseHeaders + [(name: "My-Header1", value: " value1"), (name: "My-Header2", value: " \"a   b   c\"")]),
            canonicalRequest: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n\(emptyHash)",
            stringToSign: sts("a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"),
            authorization: authz("host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")
        ),
        SigV4SuiteVector(
            name: "get-header-key-duplicate", rule: "a repeated header: values joined by commas in the order sent",
            method: "GET", url: "https://example.amazonaws.com/",
            headers: HTTPHeaders(baseHeaders + [
                (name: "My-Header1", value: "value2"), (name: "My-Header1", value: "value2"), (name: "My-Header1", value: "value1"),
            ]),
            canonicalRequest: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            stringToSign: sts("dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"),
            authorization: authz("host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")
        ),
    ]

    /// post-sts-header-before: a session token is sent as X-Amz-Security-Token and signed (botocore's behaviour).
    static let postSTSToken = SigV4SuiteVector(
        name: "post-sts-header-before", rule: "the session token header is signed",
        method: "POST", url: "https://example.amazonaws.com/", headers: HTTPHeaders(baseHeaders),
        canonicalRequest: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
            + "x-amz-security-token:\(sessionToken)\n\nhost;x-amz-date;x-amz-security-token\n\(emptyHash)",
        stringToSign: sts("c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"),
        authorization: authz("host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")
    )
}
