import Glibc
import TapedeckSystem

/// The sections of an AWS shared file (`~/.aws/credentials` or `~/.aws/config`): an INI dialect read as botocore
/// reads it with Python's `configparser`.
///
/// Rules: a line whose first non-blank character is `#` or `;` is a comment (there are no inline comments); `[name]`
/// opens a section, its name being everything between the first `[` and the last `]`, trimmed; `key = value` (or
/// `key: value`, the first `=` or `:` splits) sets a key, lower-cased, both sides trimmed; an indented line continues
/// the key above it: a key with an empty value opens a nested block (`s3 =` then `  max_concurrent_requests = 10`),
/// which no credential setting uses and which is skipped. A section named twice is one section, later keys winning.
/// The file is outside bytes: its size, line length, sections and keys are bounded, and no error quotes a line (a
/// malformed line may hold a secret), only its number.
public struct SharedConfigFile: Sendable, Equatable {
    /// Bounds on what a shared file may hold.
    public struct Limits: Sendable, Equatable {
        /// The largest file read, in bytes.
        public var maxBytes = 1 << 20
        /// The longest line, in bytes.
        public var maxLineBytes = 16 << 10
        /// The most sections.
        public var maxSections = 4096
        /// The most keys in one section.
        public var maxKeysPerSection = 1024

        /// The default bounds: 1 MiB, 16 KiB lines, 4096 sections of 1024 keys.
        public init() {}
    }

    /// Each section's keys (lower-cased) and values, by the section's name as written between the brackets.
    public private(set) var sections: [String: [String: String]] = [:]
    /// The section names in the order they first appear.
    public private(set) var order: [String] = []

    /// An empty file.
    public init() {}

    /// Parses `bytes`; throws naming the line (never its text) when it is neither a comment, a section, a key nor a
    /// continuation, or when a limit is passed. `origin` (a path) prefixes the message.
    public init(parsing bytes: [UInt8], origin: String, limits: Limits = Limits()) throws(CredentialError) {
        guard bytes.count <= limits.maxBytes else {
            throw CredentialError("\(origin) is larger than \(limits.maxBytes) bytes")
        }
        var section: String?
        var lastKey: String?
        var nested = false
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var line = bytes[start..<end]
            start = end + 1
            guard line.count <= limits.maxLineBytes else {
                throw CredentialError("\(origin) line \(lineNumber) is longer than \(limits.maxLineBytes) bytes")
            }
            if line.last == 0x0D { line = line.dropLast() }
            let indented = line.first == 0x20 || line.first == 0x09
            let text = Self.trimmed(line)
            if text.isEmpty { continue }
            if text.first == UInt8(ascii: "#") || text.first == UInt8(ascii: ";") { continue }
            if indented, let key = lastKey, let name = section {
                // configparser: an indented line continues the value above; after `key =` it is a nested block.
                if !nested { sections[name]?[key]?.append("\n" + String(decoding: text, as: UTF8.self)) }
                continue
            }
            if text.first == UInt8(ascii: "[") {
                guard let close = text.lastIndex(of: UInt8(ascii: "]")), close > text.startIndex + 1,
                      case let inside = Self.trimmed(text[(text.startIndex + 1)..<close]), !inside.isEmpty else {
                    throw CredentialError("\(origin) line \(lineNumber): a section header needs a name between [ and ]")
                }
                let name = String(decoding: inside, as: UTF8.self)
                if sections[name] == nil {
                    guard order.count < limits.maxSections else {
                        throw CredentialError("\(origin) has more than \(limits.maxSections) sections")
                    }
                    sections[name] = [:]
                    order.append(name)
                }
                section = name
                lastKey = nil
                continue
            }
            guard let split = text.firstIndex(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: ":") }),
                  split > text.startIndex else {
                throw CredentialError("\(origin) line \(lineNumber) is neither [section], key = value nor a comment")
            }
            guard let name = section else {
                throw CredentialError("\(origin) line \(lineNumber) sets a key before any [section]")
            }
            let key = String(decoding: Self.trimmed(text[..<split]), as: UTF8.self).lowercased()
            let value = String(decoding: Self.trimmed(text[(split + 1)...]), as: UTF8.self)
            if sections[name]?[key] == nil, sections[name]?.count ?? 0 >= limits.maxKeysPerSection {
                throw CredentialError("\(origin) section [\(name)] has more than \(limits.maxKeysPerSection) keys")
            }
            sections[name]?[key] = value
            lastKey = key
            nested = value.isEmpty
        }
    }

    /// Reads and parses the file at `path`; nil when it does not exist.
    public static func load(path: String, limits: Limits = Limits()) throws(CredentialError) -> SharedConfigFile? {
        let bytes: [UInt8]
        do {
            bytes = try Syscall.readPrefix(path, count: limits.maxBytes + 1)
        } catch let error where error.errno == ENOENT || error.errno == ENOTDIR {
            return nil
        } catch {
            throw CredentialError("cannot read \(path): \(error)")
        }
        return try SharedConfigFile(parsing: bytes, origin: path, limits: limits)
    }

    /// The value of `key` in section `name`, if both exist.
    public func value(_ key: String, in name: String) -> String? {
        sections[name]?[key]
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else {
            return []
        }
        return bytes[first...last]
    }
}
