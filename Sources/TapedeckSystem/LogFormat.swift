/// How log events are written: for a person at a terminal, or one JSON object per line for a log collector.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-25T17:04:05.123Z INFO  request method=POST path=/model/m/converse … status=200`
    case text
    /// `{"time":"2026-11-25T17:04:05.123Z","level":"info","msg":"request","method":"POST",…,"status":200}`
    case json
}
