/// A min-heap of deadlines and the work due at each, owned by one event loop.
struct TimerQueue {
    private struct Entry {
        let deadline: UInt64
        let sequence: UInt64
        let task: () -> Void
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }

    /// Adds `task` to run at `deadline` (monotonic milliseconds); equal deadlines run in insertion order.
    mutating func schedule(at deadline: UInt64, _ task: @escaping () -> Void) {
        nextSequence += 1
        heap.append(Entry(deadline: deadline, sequence: nextSequence, task: task))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Milliseconds until the earliest deadline (0 if overdue), or nil when empty.
    func millisecondsUntilNext(now: UInt64) -> Int? {
        guard let first = heap.first else { return nil }
        return first.deadline > now ? Int(first.deadline - now) : 0
    }

    /// Removes and returns every task due at `now`, earliest first.
    mutating func popDue(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = heap.first, first.deadline <= now {
            due.append(first.task)
            removeFirst()
        }
        return due
    }

    private mutating func removeFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = parent * 2 + 1, right = left + 1
            var smallest = parent
            if left < heap.count, precedes(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, precedes(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }
}
