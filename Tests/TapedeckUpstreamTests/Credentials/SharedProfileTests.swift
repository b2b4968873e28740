import Testing
@testable import TapedeckUpstream

/// Which profile, which files and which sections: as the AWS CLI finds them.
@Suite struct SharedProfileTests {
    @Test func theProfileIsAWSProfileElseDefaultAndCredentialsFileValuesWin() throws {
        let fixtures = try CredentialFixtures()
        defer { fixtures.remove() }
        try fixtures.write("credentials", "[dev]\nregion = from-credentials\n[default]\nx = 1\n")
        try fixtures.write("config", "[profile dev]\nregion = from-config\noutput = json\n[default]\nregion = us-east-2\n[dev]\nignored = yes\n")
        var environment = fixtures.environment
        let byDefault = try SharedProfile.load(environment: environment)
        #expect(byDefault.name == "default" && !byDefault.isExplicit)
        #expect(byDefault.value("region") == "us-east-2", "[default] in the config file is the default profile")
        environment["AWS_PROFILE"] = "dev"
        let dev = try SharedProfile.load(environment: environment)
        #expect(dev.isExplicit)
        #expect(dev.value("region") == "from-credentials")
        #expect(dev.value("output") == "json")
        #expect(dev.value("ignored") == nil, "[dev] in the config file is not profile dev")
    }

    @Test func defaultPathsAreUnderHome() throws {
        let fixtures = try CredentialFixtures()
        defer { fixtures.remove() }
        try fixtures.write(".aws-placeholder", "")
        let profile = try SharedProfile.load(environment: ["HOME": fixtures.scratch.path])
        #expect(profile.credentialsPath == fixtures.scratch.path + "/.aws/credentials")
        #expect(profile.configPath == fixtures.scratch.path + "/.aws/config")
        #expect(!profile.exists)
        let tilde = try SharedProfile.load(environment: ["HOME": "/h", "AWS_CONFIG_FILE": "~/cfg"])
        #expect(tilde.configPath == "/h/cfg")
        #expect(try SharedProfile.load(environment: [:]).places == "", "no HOME and no variables: no files")
    }
}
