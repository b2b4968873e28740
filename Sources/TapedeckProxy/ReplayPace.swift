import TapedeckBedrock
/// How a replayed stream spaces its frames.
public enum ReplayPace: Sendable, Equatable {
    /// Every frame at once.
    case none
    /// Each frame at the offset it arrived at when recorded.
    case recorded
    /// One frame every N milliseconds.
    case every(milliseconds: Int)

    /// Parses `none`, `recorded` or a whole number of milliseconds.
    public init?(_ text: String) {
        switch text {
        case "none": self = .none
        case "recorded": self = .recorded
        default:
            guard let ms = Int(text), ms >= 0, ms <= 600_000 else { return nil }
            self = ms == 0 ? .none : .every(milliseconds: ms)
        }
    }

    /// The delay before frame `index` of `events`, from the start of the answer.
    func delayMs(index: Int, of events: [StreamEvent]) -> Int {
        switch self {
        case .none: return 0
        case .recorded: return max(0, events[index].offsetMs)
        case .every(let ms): return index * ms
        }
    }
}
