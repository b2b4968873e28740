/// The valid name a mistyped one was most likely meant to be, for "did you mean …?" hints.
enum NearestName {
    /// The candidate closest to `name`, or nil when none is close: within one edit per three characters of the
    /// candidate (at least one, at most three; a swap of neighbours counts as one), or the only candidate that
    /// starts with a `name` of three or more characters. Case is ignored; ties go to the earlier candidate.
    static func nearest(to name: String, in candidates: [String]) -> String? {
        let typed = Array(name.lowercased().unicodeScalars)
        guard !typed.isEmpty else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let valid = Array(candidate.lowercased().unicodeScalars)
            let distance = Self.distance(typed, valid)
            guard distance <= max(1, min(3, valid.count / 3)) else { continue }
            if best.map({ distance < $0.distance }) ?? true { best = (candidate, distance) }
        }
        if let best { return best.candidate }
        guard typed.count >= 3 else { return nil }
        let extending = candidates.filter { $0.lowercased().hasPrefix(name.lowercased()) && $0.count > name.count }
        return extending.count == 1 ? extending[0] : nil
    }

    /// The candidate at the least edit distance from `name`, however far (the first of equals), or nil when there
    /// are none: for naming what was probably meant when `nearest` finds nothing close.
    static func closest(to name: String, in candidates: [String]) -> String? {
        let typed = Array(name.lowercased().unicodeScalars)
        return candidates.min { Self.distance(typed, Array($0.lowercased().unicodeScalars)) < Self.distance(typed, Array($1.lowercased().unicodeScalars)) }
    }

    /// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two neighbours.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
