/// A producer's watch over one streamed response's unsent output: told once when it backs up over `limit`, and
/// once again when it has drained to `resumeAt` (or the response ended, or the connection closed), so the producer
/// can hold back its source meanwhile. The two callbacks alternate, starting with `backedUp`.
///
/// Owned by its connection and touched only on that connection's loop thread, which runs the callbacks.
final class BacklogWatch {
    /// The unsent bytes above which the output counts as backed up.
    let limit: Int
    /// The unsent bytes at or below which backed-up output counts as drained.
    let resumeAt: Int
    private let backedUp: () -> Void
    private let drained: () -> Void
    /// Between a `backedUp` and its `drained`.
    private(set) var isBackedUp = false
    private var released = false

    /// A watch calling `backedUp` past `limit` and `drained` back at `resumeAt` (at most `limit`).
    init(limit: Int, resumeAt: Int, backedUp: @escaping () -> Void, drained: @escaping () -> Void) {
        precondition(limit > 0 && resumeAt >= 0 && resumeAt <= limit, "a backlog watch needs 0 <= resumeAt <= limit")
        self.limit = limit
        self.resumeAt = resumeAt
        self.backedUp = backedUp
        self.drained = drained
    }

    /// Compares the connection's unsent byte count with the marks and tells the producer of a crossing.
    func check(unsent: Int) {
        guard !released else { return }
        if !isBackedUp && unsent > limit {
            isBackedUp = true
            backedUp()
        } else if isBackedUp && unsent <= resumeAt {
            isBackedUp = false
            drained()
        }
    }

    /// Ends the watch (the response is over or the connection gone): a backed-up producer hears `drained`.
    func release() {
        guard !released else { return }
        released = true
        if isBackedUp {
            isBackedUp = false
            drained()
        }
    }
}
