/// How a request is served: from cassettes, from upstream, or both.
public enum ProxyMode: String, Sendable, CaseIterable {
    /// Hit: replay. Miss: forward and record.
    case auto
    /// Never contact upstream; a miss is a 404.
    case replay
    /// Always forward and record, overwriting.
    case record
    /// Forward only; cassettes are neither read nor written.
    case passthrough
}

/// What a hit reports as token usage.
public enum HitUsage: String, Sendable, CaseIterable {
    /// The usage upstream reported when the cassette was recorded.
    case recorded
    /// Zero tokens, for cost dashboards that should not count replays.
    case zero
}
