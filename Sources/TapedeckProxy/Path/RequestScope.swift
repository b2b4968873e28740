import TapedeckSystem

/// The namespace and mode of a request that names neither (no `x-tapedeck-namespace`, no `x-tapedeck-mode`): the
/// server's `--namespace` and `--mode` until `POST /_tapedeck/scope` sets others.
///
/// The pytest plugin sets one before each test, so every client, also one made at import time or by a session
/// fixture, records into and replays from that test's namespace without sending a header. One scope serves the whole
/// server: it suits one test runner per server (the plugin starts one per pytest worker), not clients that share it.
public final class RequestScope: Sendable {
    /// A namespace ("" is the shared one) and the mode requests are served in.
    public struct Value: Sendable, Equatable {
        public var namespace: String
        public var mode: ProxyMode
        /// How a replay miss says to record it, when the runner that set the scope knows better than `tapedeck
        /// serve …` (the pytest plugin names its record mode).
        public var recordHint: String?

        public init(namespace: String, mode: ProxyMode, recordHint: String? = nil) {
            self.namespace = namespace
            self.mode = mode
            self.recordHint = recordHint
        }
    }

    /// The server's own: `--namespace` and `--mode`.
    public let defaults: Value
    private let current: Mutex<Value>

    public init(defaults: Value) {
        self.defaults = defaults
        current = Mutex(defaults)
    }

    /// The scope requests are served in now.
    public var value: Value { current.withLock { $0 } }

    /// Serves requests in `value` from now on.
    public func set(_ value: Value) {
        current.withLock { $0 = value }
    }
}
