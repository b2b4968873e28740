/// How serious a log event is; `--log-level` drops the events below the one it names.
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    /// Detail for finding a problem: admin and health requests, store indexing.
    case debug
    /// What happens in normal operation: start-up, each request, shutdown.
    case info
    /// Something went less well than asked and the user may want to act: an answer not recorded, an expired cassette.
    case warn
    /// Tapedeck could not do its job: the store or the port cannot be opened, a recording cannot be written.
    case error

    /// Whether `lhs` is less serious than `rhs`.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The level in the text format: upper case, padded to one width so messages line up.
    var label: String {
        switch self {
        case .debug: return "DEBUG"
        case .info: return "INFO "
        case .warn: return "WARN "
        case .error: return "ERROR"
        }
    }
}
