import Testing
@testable import TapedeckUpstream

@Suite struct AWSCredentialsTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN"

    @Test func readsTheSDKEnvironmentVariables() throws {
        let credentials = try #require(AWSCredentials.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token,
            "AWS_REGION": "us-west-2",
        ]))
        #expect(credentials.accessKeyId == "ASIAEXAMPLE")
        #expect(credentials.secretAccessKey == Self.secret)
        #expect(credentials.sessionToken == Self.token)
    }

    @Test func aSessionTokenIsOptionalAndEmptyMeansNone() throws {
        let base = ["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret]
        #expect(try #require(AWSCredentials.fromEnvironment(base)).sessionToken == nil)
        var empty = base
        empty["AWS_SESSION_TOKEN"] = ""
        #expect(try #require(AWSCredentials.fromEnvironment(empty)).sessionToken == nil)
        #expect(AWSCredentials(accessKeyId: "a", secretAccessKey: "b", sessionToken: "").sessionToken == nil)
    }

    @Test func bothTheKeyIdAndTheSecretAreRequired() {
        #expect(AWSCredentials.fromEnvironment([:]) == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"]) == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_SECRET_ACCESS_KEY": Self.secret]) == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": Self.secret]) == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": ""]) == nil)
    }

    @Test func descriptionsShowOnlyTheStartOfTheKeyId() {
        let credentials = AWSCredentials(accessKeyId: "ASIAEXAMPLE", secretAccessKey: Self.secret, sessionToken: Self.token)
        #expect(credentials.description == "ASIA…(redacted), with session token")
        #expect(credentials.debugDescription == "AWSCredentials(ASIA…(redacted), with session token)")
        #expect(AWSCredentials(accessKeyId: "AKIAEXAMPLE", secretAccessKey: Self.secret).description == "AKIA…(redacted)")
    }

    @Test func noWayOfPrintingShowsTheSecretOrTheToken() {
        let credentials = AWSCredentials(accessKeyId: "ASIAEXAMPLE", secretAccessKey: Self.secret, sessionToken: Self.token)
        var dumped = ""
        dump(credentials, to: &dumped)
        let mirrored = Mirror(reflecting: credentials).children.map { "\($0.label ?? ""): \($0.value)" }.joined()
        let printed = [
            "\(credentials)", String(describing: credentials), String(reflecting: credentials), dumped, mirrored,
            String(describing: [credentials]), String(describing: Optional(credentials)),
        ]
        for text in printed {
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(!text.contains(Self.token), "\(text)")
            #expect(!text.contains("EXAMPLE"), "the key id is cut to its first four characters: \(text)")
        }
    }
}
