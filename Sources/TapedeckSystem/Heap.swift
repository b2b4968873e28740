internal import CLinux

/// The process heap as glibc's malloc keeps it.
package enum Heap {
    /// Free heap memory above which `returnFreeMemory(above:)` hands it back.
    package static let keptFreeBytes = 16 << 20

    /// Hands the heap's free memory back to the system (glibc's `malloc_trim(3)`, every arena) when more than
    /// `limit` bytes of it are free. glibc keeps freed large blocks for reuse once its dynamic mmap threshold has
    /// risen, so a process that once parsed a 10 MB recording would keep those pages resident for good. Both calls
    /// walk the heaps: call it after rare, large work only (a recording, a cassette loaded from the store).
    package static func returnFreeMemory(above limit: Int = keptFreeBytes) {
        guard tapedeck_heap_free_bytes() > limit else { return }
        _ = malloc_trim(0)
    }
}
