/// What happened to a request, as `x-tapedeck`, the log line, `/_tapedeck/stats` and `/metrics` name it.
public enum Outcome: String, Sendable, CaseIterable, Comparable {
    /// Answered from a cassette.
    case hit
    /// Not recorded (or recorded again): forwarded upstream in `auto` mode, or refused in `replay` mode.
    case miss
    /// Forwarded and recorded because the mode is `record`.
    case record
    /// Forwarded without reading or writing cassettes (`passthrough`).
    case passthrough
    /// One of Tapedeck's own pages or the browser's API.
    case admin
    /// Refused before any cassette was looked at.
    case error

    /// Whether the request counts as a miss for its model (it went, or would have gone, upstream).
    public var isMiss: Bool { self == .miss || self == .record || self == .passthrough }

    /// The outcome of a forwarded request in `mode`.
    init(forwarding mode: ProxyMode) {
        switch mode {
        case .auto, .replay: self = .miss
        case .record: self = .record
        case .passthrough: self = .passthrough
        }
    }

    public static func < (lhs: Outcome, rhs: Outcome) -> Bool { lhs.rawValue < rhs.rawValue }
}
