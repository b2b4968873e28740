import TapedeckSystem

/// What STS answers an `AssumeRole` call with (the Query protocol's XML), read for the few elements Tapedeck needs.
///
/// Success: `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>…<SecretAccessKey>…<SessionToken>…
/// <Expiration>…</Credentials>…`. Failure: `<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error>…`.
/// This is not a general XML parser: it finds the first `<Name>` … `</Name>` of each element asked for (STS sends no
/// attributes, CDATA or nesting in these) and decodes the five predefined entities and character references.
/// Outside bytes: the answer is bounded (`MetadataClient.maxBytes`), an error shows only STS's own code and message,
/// cut short and on one line, never a credential.
public enum STSResponse {
    /// The credentials in a successful answer; throws naming the first missing element.
    public static func credentials(_ bytes: [UInt8], origin: String) throws(CredentialError) -> TimedCredentials {
        guard let block = element("Credentials", in: bytes[...]) else {
            throw CredentialError("\(origin): its answer has no Credentials")
        }
        func field(_ name: String) throws(CredentialError) -> String {
            guard let raw = element(name, in: block), let text = decode(raw), !text.isEmpty,
                  !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw CredentialError("\(origin): its answer has no usable \(name)")
            }
            return text
        }
        let keyId = try field("AccessKeyId")
        let secret = try field("SecretAccessKey")
        let token = try field("SessionToken")
        guard let expiration = Timestamp.parse(try field("Expiration")) else {
            throw CredentialError("\(origin): its Expiration is not an RFC 3339 time")
        }
        return TimedCredentials(AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: token), expiration: expiration)
    }

    /// `Code: Message` of an error answer (each on one line, at most 300 characters), or nil when there is none.
    public static func error(_ bytes: [UInt8]) -> String? {
        guard let block = element("Error", in: bytes[...]), let code = element("Code", in: block).flatMap(decode) else { return nil }
        let message = element("Message", in: block).flatMap(decode) ?? ""
        return printable(message.isEmpty ? code : "\(code): \(message)")
    }

    /// The bytes between the first `<name>` and the `</name>` after it.
    static func element(_ name: String, in bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let open = Array("<\(name)>".utf8), close = Array("</\(name)>".utf8)
        guard let start = find(open, in: bytes, from: bytes.startIndex) else { return nil }
        let contentStart = start + open.count
        guard let end = find(close, in: bytes, from: contentStart) else { return nil }
        return bytes[contentStart..<end]
    }

    /// Text with XML's predefined entities and character references decoded; nil for a malformed reference or
    /// markup inside (an element, not text).
    static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.contains(UInt8(ascii: "<")) else { return nil }
        let whole = String(decoding: bytes, as: UTF8.self)
        guard whole.contains("&") else { return whole }
        var text = whole[...]
        var out = ""
        while let amp = text.firstIndex(of: "&") {
            out += text[..<amp]
            guard let semicolon = text[amp...].prefix(12).firstIndex(of: ";") else { return nil }
            let name = text[text.index(after: amp)..<semicolon]
            switch name {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                // XML 1.0 §4.1: &#NN; and &#xHH; name a character.
                guard name.hasPrefix("#") else { return nil }
                let digits = name.dropFirst()
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return nil }
                out.unicodeScalars.append(scalar)
            }
            text = text[text.index(after: semicolon)...]
        }
        return out + text
    }

    private static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>, from: Int) -> Int? {
        guard !needle.isEmpty, bytes.endIndex - from >= needle.count else { return nil }
        var index = from
        while index + needle.count <= bytes.endIndex {
            if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func printable(_ text: String) -> String {
        let flat = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }
}
