import Foundation
import TapedeckSystem
import TapedeckTestSupport

/// Files, scripts and documents the credential tests share: a scratch directory holding AWS shared files and
/// `credential_process` scripts, and the environment that points the SDK variables at them.
struct CredentialFixtures {
    static let keyId = "AKIDPROFILEEXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN"

    let scratch: ScratchDirectory

    init(_ label: String = #function) throws {
        scratch = try ScratchDirectory(label)
    }

    /// An environment with the shared files in the scratch directory, no other credentials, and no EC2 metadata.
    var environment: [String: String] {
        [
            "AWS_SHARED_CREDENTIALS_FILE": scratch("credentials"), "AWS_CONFIG_FILE": scratch("config"),
            "AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin:/bin",
        ]
    }

    /// Writes `text` to `name` in the scratch directory; its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: scratch(name), atomically: true, encoding: .utf8)
        return scratch(name)
    }

    /// Writes an executable shell script `name` with `body`; its path.
    @discardableResult
    func script(_ name: String, _ body: String) throws -> String {
        let path = try write(name, "#!/bin/sh\n" + body + "\n")
        chmod(path, 0o755)
        return path
    }

    /// A credential_process document, or a metadata answer (`Token` instead of `SessionToken`, no `Version`).
    static func document(
        keyId: String = keyId, secret: String = secret, token: String? = token, expiration: Int? = nil, process: Bool = true
    ) -> String {
        var fields = process ? [#""Version": 1"#] : [#""Code": "Success""#]
        fields += [#""AccessKeyId": "\#(keyId)""#, #""SecretAccessKey": "\#(secret)""#]
        if let token { fields.append(#""\#(process ? "SessionToken" : "Token")": "\#(token)""#) }
        if let expiration { fields.append(#""Expiration": "\#(Timestamp.format(seconds: expiration))""#) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    func remove() { scratch.remove() }
}
