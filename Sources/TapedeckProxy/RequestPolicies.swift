/// What the n-th identical request in a session gets.
public enum RepeatsMode: String, Sendable, CaseIterable {
    /// One answer per key; re-recording overwrites it.
    case last
    /// The n-th identical request gets the n-th recorded answer; recording appends.
    case sequence
}

/// What happens to a cassette older than `--max-age`.
public enum ExpiredPolicy: String, Sendable, CaseIterable {
    /// Served as before.
    case replay
    /// Served, with a warning in the log and an `x-tapedeck-expired: true` header.
    case warn
    /// Recorded again in auto mode (served with a warning otherwise).
    case rerecord
}
