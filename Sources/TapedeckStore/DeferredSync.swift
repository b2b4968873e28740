/// What is left to make a visible write survive a power loss (fsyncs), to run when it costs nobody a wait.
public struct DeferredSync: Sendable {
    private let work: (@Sendable () -> Void)?

    /// Nothing left to do: the write was durable when it returned.
    public static let none = DeferredSync(nil)

    /// A sync that runs `work`.
    public init(_ work: (@Sendable () -> Void)?) {
        self.work = work
    }

    /// Whether there is anything to run.
    public var isNeeded: Bool { work != nil }

    /// Runs the sync (at most the cost of the fsyncs it makes).
    public func run() {
        work?()
    }
}
