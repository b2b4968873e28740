/// A namespace name as a request or flag gives it, checked so it can never reach outside the store.
public enum Namespace {
    /// The longest name accepted.
    public static let maxLength = 128

    /// `name` if it is a safe namespace: 1–128 characters of `A-Za-z0-9._-`, not `.` or `..`, not starting
    /// with `.` (no hidden or parent directories), so it is one plain path segment; otherwise a reason.
    public static func validate(_ name: String) -> Result<String, NamespaceError> {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { return .failure(NamespaceError("namespace must not be empty")) }
        guard bytes.count <= maxLength else {
            return .failure(NamespaceError("namespace is \(bytes.count) characters; the limit is \(maxLength)"))
        }
        guard bytes[0] != UInt8(ascii: ".") else {
            return .failure(NamespaceError("namespace must not start with \".\" (no hidden or parent directories)"))
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return .failure(NamespaceError("namespace may hold only letters, digits, \".\", \"_\" and \"-\""))
            }
        }
        return .success(name)
    }

    /// `name` when `validate` accepts it, or `.invalidNamespace`: what a store checks again before it builds
    /// anything from a name, whoever validated it before.
    static func checked(_ name: String) throws(CassetteError) -> String {
        switch validate(name) {
        case .success(let name): return name
        case .failure(let error): throw .invalidNamespace(name: name, reason: error.reason)
        }
    }
}

/// Why a namespace name was refused.
public struct NamespaceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
