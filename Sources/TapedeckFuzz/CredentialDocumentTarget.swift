import TapedeckUpstream

/// A credential document (a `credential_process`'s output, or a metadata answer; the first byte picks which) through
/// `CredentialDocument.parse`.
///
/// Properties: a refusal is one of the fixed messages, which quote nothing from the document (it holds secrets);
/// accepted credentials have a non-empty key id and secret, and no control character anywhere.
enum CredentialDocumentTarget {
    static let fixed: Set<String> = Set([
        "its output is not a JSON object", "its output needs \"Version\": 1", "its answer's Code is not Success",
        "its Expiration is not an RFC 3339 time",
    ]).union(["AccessKeyId", "SecretAccessKey", "SessionToken", "Token", "Expiration"].flatMap { field in
        ["its output has no \(field)", "its \(field) is not a string", "its \(field) is empty", "its \(field) holds a control character"]
    })

    static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let shape: CredentialDocument.Shape = first & 1 == 0 ? .process : .metadata
        let document = Array(bytes.dropFirst())
        do {
            let found = try CredentialDocument.parse(document, shape: shape, origin: "source")
            let credentials = found.credentials
            Property.check(!credentials.accessKeyId.isEmpty && !credentials.secretAccessKey.isEmpty, "empty key accepted")
            for text in [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? ""] {
                Property.check(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "a control character accepted")
            }
        } catch {
            let message = error.message
            Property.check(message.hasPrefix("source: "), "message \(String(reflecting: message))")
            let rest = String(message.dropFirst("source: ".count))
            let known = fixed.contains(rest) || rest.hasPrefix("its output is larger than ")
                || (rest.hasPrefix("its output is not valid JSON (at byte ") && rest.hasSuffix(")")
                    && rest.dropFirst("its output is not valid JSON (at byte ".count).dropLast().allSatisfy(\.isNumber))
            Property.check(known, "an unexpected message may quote the document: \(String(reflecting: message))")
        }
    }
}
