/// One fuzz target: a name to select it by and a function that runs one input through real Tapedeck code.
///
/// A target returns normally for any input the code under test handles correctly (refusing bad input is
/// correct); a crash, a sanitizer report, or a failed `Property.check` is a finding.
struct FuzzTarget: Sendable {
    /// The name `make fuzz` and the command line select the target by.
    let name: String
    /// What the target feeds its input to.
    let summary: String
    /// Runs one input.
    let run: @Sendable ([UInt8]) -> Void

    /// Every target, in the order `make fuzz` runs them.
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "http", summary: "HTTP request parser, whole and in data-derived splits",
                   run: HTTPRequestTarget.run),
        FuzzTarget(name: "json", summary: "JSON parser, canonical/compact/pretty writers and the cache key",
                   run: JSONTarget.run),
        FuzzTarget(name: "eventstream", summary: "event-stream decoder in splits, re-encoded and decoded again",
                   run: EventStreamTarget.run),
        FuzzTarget(name: "cassette", summary: "a cassette file loaded through the JSON store",
                   run: CassetteFileTarget.run),
        FuzzTarget(name: "sqlite-row", summary: "a row's columns read back through the SQLite store",
                   run: SQLiteRowTarget.run),
        FuzzTarget(name: "sqlite-file", summary: "a whole database file opened as an SQLite store",
                   run: SQLiteFileTarget.run),
        FuzzTarget(name: "namespace", summary: "namespace names and the store paths they become",
                   run: NamespaceTarget.run),
        FuzzTarget(name: "base64", summary: "base64 decoder against a reference, re-encoded; any bytes encoded and back",
                   run: Base64Target.run),
        FuzzTarget(name: "postgres-url", summary: "a --store value through libpq's URL parser and the password masking",
                   run: PostgresURLTarget.run),
        FuzzTarget(name: "pg-notify", summary: "a change notification's payload read into the revisions a serve remembers",
                   run: PostgresNotifyTarget.run),
        FuzzTarget(name: "site-guard", summary: "Host, Origin, Sec-Fetch-Site and Content-Type through the guard against web pages",
                   run: SiteGuardTarget.run),
        FuzzTarget(name: "lease", summary: "a JSON store's lock file read when a lease is asked for, taken, released",
                   run: LeaseFileTarget.run),
        FuzzTarget(name: "aws-config", summary: "an AWS shared credentials/config file through the INI reader, written back and read again",
                   run: AWSConfigTarget.run),
        FuzzTarget(name: "aws-cred-doc", summary: "a credential_process output or metadata answer read into credentials",
                   run: CredentialDocumentTarget.run),
        FuzzTarget(name: "sts-xml", summary: "an STS AssumeRole answer (credentials, or an error's code and message)",
                   run: STSResponseTarget.run),
    ]

    /// The target called `name`, if there is one.
    static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Properties a target asserts: a violation stops the process so libFuzzer saves the input as a crash.
enum Property {
    /// Stops with `message` unless `condition` holds (a `fatalError`, so it holds in every build configuration).
    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("property violated: \(message())") }
    }
}
