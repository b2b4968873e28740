import TapedeckUpstream

/// An AWS shared credentials or config file through `SharedConfigFile`, with small limits so the fuzzer reaches them.
///
/// Properties: a refusal is one bounded line; what is read has lower-case keys without `=` or `:`, trimmed keys,
/// values and names, and within the limits; written back out as `[name]` and `key = value` lines (continuations
/// indented), it reads back the same.
enum AWSConfigTarget {
    static let limits: SharedConfigFile.Limits = {
        var limits = SharedConfigFile.Limits()
        limits.maxBytes = 8192
        limits.maxLineBytes = 256
        limits.maxSections = 16
        limits.maxKeysPerSection = 16
        return limits
    }()

    static func run(_ bytes: [UInt8]) {
        let file: SharedConfigFile
        do {
            file = try SharedConfigFile(parsing: bytes, origin: "credentials", limits: limits)
        } catch {
            Property.check(!error.message.contains("\n") && error.message.utf8.count <= 120 + limits.maxLineBytes,
                           "a refusal of \(error.message.utf8.count) bytes or over lines")
            return
        }
        Property.check(file.order.count == file.sections.count && file.order.count <= limits.maxSections, "sections out of step")
        var text = ""
        for name in file.order {
            let keys = file.sections[name] ?? [:]
            Property.check(keys.count <= limits.maxKeysPerSection, "section [\(name)] has \(keys.count) keys")
            Property.check(!name.isEmpty && trimmed(name), "section name \(String(reflecting: name)) is not trimmed")
            text += "[\(name)]\n"
            for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
                Property.check(!key.isEmpty && key == key.lowercased() && trimmed(key) && !key.contains("=") && !key.contains(":"),
                               "key \(String(reflecting: key))")
                let lines = value.split(separator: "\n", omittingEmptySubsequences: false)
                Property.check(lines.allSatisfy { trimmed(String($0)) }, "value \(String(reflecting: value)) is not trimmed")
                text += "\(key) = \(lines.first ?? "")\n" + lines.dropFirst().map { "  \($0)\n" }.joined()
            }
        }
        var relaxed = limits
        relaxed.maxBytes = 1 << 20
        relaxed.maxLineBytes = 1 << 16
        do {
            let again = try SharedConfigFile(parsing: Array(text.utf8), origin: "again", limits: relaxed)
            Property.check(again == file, "written back, it reads differently:\n\(text)")
        } catch {
            Property.check(false, "written back, it is refused (\(error.message)):\n\(text)")
        }
    }

    /// Whether `text` has no leading or trailing blank the reader trims.
    private static func trimmed(_ text: String) -> Bool {
        let blanks: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0B, 0x0C]
        return !(text.utf8.first.map(blanks.contains) ?? false) && !(text.utf8.last.map(blanks.contains) ?? false)
    }
}
