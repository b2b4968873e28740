import TapedeckCodec
import TapedeckSystem

/// The JSON documents credential sources answer with, read into credentials.
///
/// - `credential_process` prints `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}`
///   (AWS CLI "Sourcing credentials with an external process"; only the two keys are required).
/// - The container endpoint and EC2 instance metadata answer `{"AccessKeyId", "SecretAccessKey", "Token",
///   "Expiration"}` (IMDS adds `"Code": "Success"`, `LastUpdated` and `Type`).
///
/// `Expiration` is an RFC 3339 time. Errors name the document and the field, never a value: the document holds
/// secrets, and a broken one may hold them anywhere.
public enum CredentialDocument {
    /// Which document shape to expect.
    public enum Shape: Sendable {
        /// A `credential_process`'s output: `Version` 1, `SessionToken`.
        case process
        /// The container endpoint's or the instance metadata's answer: `Token`.
        case metadata
    }

    /// Bounds on a document: small (a real one is about 1.5 KiB) and shallow.
    public static let limits = JSONLimits(maxDepth: 8, maxStringBytes: 16 << 10, maxMembers: 256)
    /// The largest document read, in bytes.
    public static let maxBytes = 64 << 10

    /// The credentials in `bytes`; `origin` (what produced it) starts every error.
    public static func parse(_ bytes: [UInt8], shape: Shape, origin: String) throws(CredentialError) -> TimedCredentials {
        guard bytes.count <= maxBytes else { throw CredentialError("\(origin): its output is larger than \(maxBytes) bytes") }
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, limits: limits)
        } catch {
            // The error's text could quote the document; say only where it broke.
            throw CredentialError("\(origin): its output is not valid JSON (at byte \(error.offset))")
        }
        guard document.objectValue != nil else { throw CredentialError("\(origin): its output is not a JSON object") }
        if shape == .process {
            guard let version = document["Version"]?.numberLiteral, version == "1" else {
                throw CredentialError("\(origin): its output needs \"Version\": 1")
            }
        }
        if shape == .metadata, let code = document["Code"] {
            guard code.stringValue == "Success" else { throw CredentialError("\(origin): its answer's Code is not Success") }
        }
        let accessKeyId = try string(document, "AccessKeyId", origin: origin, required: true) ?? ""
        let secret = try string(document, "SecretAccessKey", origin: origin, required: true) ?? ""
        let token = try string(document, shape == .process ? "SessionToken" : "Token", origin: origin, required: false)
        var expiration: Int?
        if let text = try string(document, "Expiration", origin: origin, required: false) {
            guard let seconds = Timestamp.parse(text) else {
                throw CredentialError("\(origin): its Expiration is not an RFC 3339 time")
            }
            expiration = seconds
        }
        return TimedCredentials(
            AWSCredentials(accessKeyId: accessKeyId, secretAccessKey: secret, sessionToken: token), expiration: expiration)
    }

    private static func string(_ document: JSONValue, _ field: String, origin: String, required: Bool) throws(CredentialError) -> String? {
        guard let value = document[field], value != .null else {
            if required { throw CredentialError("\(origin): its output has no \(field)") }
            return nil
        }
        guard let text = value.stringValue else { throw CredentialError("\(origin): its \(field) is not a string") }
        guard !text.isEmpty || !required else { throw CredentialError("\(origin): its \(field) is empty") }
        // A header value cannot hold a line break or control character; no AWS key or token does.
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw CredentialError("\(origin): its \(field) holds a control character")
        }
        return text
    }
}
