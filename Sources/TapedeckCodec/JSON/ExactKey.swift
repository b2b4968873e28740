/// A string compared and hashed by its exact UTF-8 bytes, not by Swift's canonical equivalence.
///
/// Swift's `==` treats `"é"` (U+00E9) and `"é"` (U+0065 U+0301) as equal; JSON member names
/// (RFC 8259 §8.3) and RFC 8785 keys compare code unit by code unit, so they must stay distinct.
package struct ExactKey: Hashable {
    let string: String

    /// Wraps `string`.
    package init(_ string: String) {
        self.string = string
    }

    /// Whether two strings have identical code points.
    @inline(__always)
    package static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8)
    }

    package static func == (lhs: ExactKey, rhs: ExactKey) -> Bool {
        equal(lhs.string, rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
