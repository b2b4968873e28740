import TapedeckStore

/// Bytes as a `--store` value: through libpq's URL parser (`PostgresURL`) and the masking every shown store name goes
/// through (`StoreLocation.masked`).
///
/// Properties: masking is idempotent; a password put in a URL's user part is never in the masked text, nor in the
/// refusal of a URL libpq cannot parse; the URL's parsed name is its masked text.
enum PostgresURLTarget {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        let masked = StoreLocation.masked(text)
        Property.check(StoreLocation.masked(masked) == masked, "masking \(String(reflecting: text)) twice changes it")
        // The bytes as a password, without the characters that end a URL's user part.
        let password = String(text.unicodeScalars.filter { !"/?#@\0".unicodeScalars.contains($0) }.prefix(64))
        let url = "postgres://user:\(password)@localhost:1/tapes?" + String(text.prefix(32))
        let shown = StoreLocation.masked(url)
        if password.utf8.count >= 6, !"postgres://user:***@localhost:1/tapes?".contains(password), !String(text.prefix(32)).contains(password) {
            Property.check(!shown.contains(password), "the password shows in \(String(reflecting: shown))")
            do {
                let parsed = try PostgresURL(url)
                Property.check(parsed.description == shown, "the URL names itself \(parsed.description), not \(shown)")
            } catch {
                // The masked URL is shown on purpose; its query (the input's own text) may run into the message's
                // next characters and spell the password, so it is taken out before looking.
                let refusal = "\(error)".replacing(shown, with: "<url>")
                Property.check(!refusal.contains(password), "the refusal shows the password: \(error)")
            }
        }
        _ = try? PostgresURL(text)
    }
}
