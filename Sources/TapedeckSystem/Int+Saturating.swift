/// Arithmetic that stops at `Int.max` / `Int.min` instead of trapping, for counts read from files a person or
/// another build may have written: a usage count of 9223372036854775807 must not crash the server that adds one.
extension Int {
    /// `self + other`, or the bound it would pass.
    package func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, or the bound it would pass.
    package func subtractingSaturated(_ other: Int) -> Int {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }

    /// `self * other`, or the bound it would pass.
    package func multipliedSaturated(by other: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }
}
