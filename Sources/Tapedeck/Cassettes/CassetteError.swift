import Glibc

/// Why a cassette could not be read or written, with the file or store it concerns.
public enum CassetteError: Error, Sendable, CustomStringConvertible {
    /// The bytes are not a cassette this build can read.
    case malformed(String)
    /// A cassette at `path` could not be decoded.
    case corrupt(path: String, reason: String)
    /// A cassette written by a newer Tapedeck, in a format this build cannot read; it is never overwritten.
    case newerFormat(path: String, format: Int)
    /// A `--store` value this build cannot open.
    case unsupportedStore(String)
    /// A file operation failed.
    case io(path: String, error: SystemError)

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed cassette: \(reason)"
        case .unsupportedStore(let reason): return reason
        case .newerFormat(let path, let format):
            return "cassette \(path) has format \(format), written by a newer Tapedeck; this one reads up to \(Cassette.formatVersion)"
        case .corrupt(let path, let reason): return "corrupt cassette \(path): \(reason)"
        case .io(let path, let error): return "\(error.call) \(path): \(String(cString: strerror(error.errno)))"
        }
    }
}

extension CassetteError {
    /// Whether the cassette exists but belongs to a newer Tapedeck.
    public var isNewerFormat: Bool {
        if case .newerFormat = self { return true }
        return false
    }
}
