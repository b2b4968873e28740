import TapedeckSystem
import TapedeckBedrock

/// The line the proxy writes per finished request.
extension ProcessLog {
    /// Logs a finished request: info, debug for Tapedeck's own pages, warn when the answer is a server error.
    ///
    /// On the hot path: rendered straight into the log's batch buffer (`LogLineWriter`), no `String` made.
    public func request(
        method: String, path: Substring, route: BedrockRoute?, key: CacheKey?, namespace: String, outcome: Outcome,
        status: Int, bytesIn: Int, bytesOut: Int, startedAt: UInt64
    ) {
        let level: LogLevel = status >= 500 ? .warn : outcome == .admin ? .debug : .info
        guard logsRequests else { return }
        line(level, "request") { line in
            line.field("method", method)
            line.field("path", path)
            if let route {
                line.field("model", route.modelId)
                line.field("operation", route.operation.rawValue)
            }
            line.field("outcome", outcome.rawValue)
            line.field("status", status)
            if let key {
                var hex = key.hex
                hex.withUTF8 { line.field("key", utf8: UnsafeBufferPointer(rebasing: $0.prefix(12))) }
            }
            if !namespace.isEmpty { line.field("namespace", namespace) }
            line.field("latency_ms", milliseconds: MonotonicClock.nanoseconds() &- startedAt)
            line.field("bytes_in", bytesIn)
            line.field("bytes_out", bytesOut)
        }
    }
}
