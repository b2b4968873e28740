import TapedeckSystem
import TapedeckBedrock

/// The line the proxy writes per finished request.
extension ProcessLog {
    /// Logs a finished request: info, debug for Tapedeck's own pages, warn when the answer is a server error.
    public func request(
        method: String, path: Substring, route: BedrockRoute?, key: CacheKey?, namespace: String, outcome: Outcome,
        status: Int, bytesIn: Int, bytesOut: Int, startedAt: UInt64
    ) {
        let level: LogLevel = status >= 500 ? .warn : outcome == .admin ? .debug : .info
        guard logsRequests, logs(level) else { return }
        var fields = [LogField("method", method), LogField("path", String(path))]
        if let route {
            fields.append(LogField("model", route.modelId))
            fields.append(LogField("operation", route.operation.rawValue))
        }
        fields.append(LogField("outcome", outcome.rawValue))
        fields.append(LogField("status", status))
        if let key { fields.append(LogField("key", key.prefix)) }
        if !namespace.isEmpty { fields.append(LogField("namespace", namespace)) }
        fields.append(LogField("latency_ms", milliseconds: MonotonicClock.nanoseconds() &- startedAt))
        fields.append(LogField("bytes_in", bytesIn))
        fields.append(LogField("bytes_out", bytesOut))
        event(LogEvent(level, "request", fields))
    }
}
