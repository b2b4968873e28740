import Testing
@testable import TapedeckUpstream

/// The region: --aws-region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then the upstream's host.
@Suite struct AWSRegionTests {
    @Test func eachSourceIsUsedOnlyWhenTheOnesBeforeItNameNone() throws {
        let fixtures = try CredentialFixtures()
        defer { fixtures.remove() }
        try fixtures.write("config", "[profile dev]\nregion = ap-south-1\n")
        var environment = fixtures.environment
        environment["AWS_PROFILE"] = "dev"
        let upstream = "https://bedrock-runtime.eu-west-1.amazonaws.com"
        #expect(try AWSRegion.resolve(flag: nil, environment: fixtures.environment, upstream: upstream) == AWSRegion("eu-west-1", source: "the upstream host"))
        #expect(try AWSRegion.resolve(flag: nil, environment: environment, upstream: upstream) == AWSRegion("ap-south-1", source: "profile dev"))
        environment["AWS_DEFAULT_REGION"] = "us-west-1"
        #expect(try AWSRegion.resolve(flag: nil, environment: environment, upstream: upstream)?.name == "us-west-1")
        environment["AWS_REGION"] = "us-west-2"
        #expect(try AWSRegion.resolve(flag: nil, environment: environment, upstream: upstream)?.name == "us-west-2")
        #expect(try AWSRegion.resolve(flag: "ca-central-1", environment: environment, upstream: upstream) == AWSRegion("ca-central-1", source: "--aws-region"))
        #expect(try AWSRegion.resolve(flag: nil, environment: fixtures.environment, upstream: "http://127.0.0.1:8080") == nil)
    }

    @Test func theUpstreamHostNamesTheRegionOfBedrockRuntimeOnly() {
        #expect(AWSRegion.fromHost("https://bedrock-runtime.eu-west-1.amazonaws.com") == "eu-west-1")
        #expect(AWSRegion.fromHost("https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com:443/x") == "us-gov-west-1")
        #expect(AWSRegion.fromHost("https://BEDROCK-RUNTIME.US-EAST-1.AMAZONAWS.COM/") == "us-east-1")
        #expect(AWSRegion.fromHost("https://bedrock-runtime.cn-north-1.amazonaws.com.cn") == "cn-north-1")
        for other in ["https://bedrock.us-east-1.amazonaws.com", "https://bedrock-runtime.amazonaws.com",
                      "https://x.bedrock-runtime.us-east-1.amazonaws.com", "https://bedrock-runtime.us-east-1.amazonaws.com.evil.example",
                      "http://localhost:8080"] {
            #expect(AWSRegion.fromHost(other) == nil, "\(other)")
        }
    }

    @Test func aRegionThatIsNotARegionNameIsRefused() {
        #expect(throws: CredentialError("the region from AWS_REGION is not a region name (letters, digits and -)")) {
            try AWSRegion.resolve(flag: nil, environment: ["AWS_REGION": "us-east-1\nx"], upstream: nil)
        }
    }
}
