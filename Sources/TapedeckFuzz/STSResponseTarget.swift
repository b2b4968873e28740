import TapedeckUpstream

/// An STS answer through `STSResponse`: the credentials of a success, the code and message of an error.
///
/// Properties: a refusal is one of the fixed messages (it quotes nothing: the answer holds secrets); accepted
/// credentials have no control character; an error's text is one line of at most 301 characters.
enum STSResponseTarget {
    static let fixed: Set<String> = Set(["its answer has no Credentials", "its Expiration is not an RFC 3339 time"]
        + ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"].map { "its answer has no usable \($0)" })

    static func run(_ bytes: [UInt8]) {
        do {
            let found = try STSResponse.credentials(bytes, origin: "sts")
            for text in [found.credentials.accessKeyId, found.credentials.secretAccessKey, found.credentials.sessionToken ?? ""] {
                Property.check(!text.isEmpty && !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                               "credentials with a control character or empty")
            }
        } catch {
            Property.check(error.message.hasPrefix("sts: ") && fixed.contains(String(error.message.dropFirst(5))),
                           "an unexpected message may quote the answer: \(String(reflecting: error.message))")
        }
        if let text = STSResponse.error(bytes) {
            Property.check(text.count <= 301 && !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                           "an error text of \(text.count) characters or over lines")
        }
    }
}
