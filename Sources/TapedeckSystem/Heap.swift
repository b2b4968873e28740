internal import CLinux

/// The process heap as glibc's malloc keeps it.
package enum Heap {
    /// Hands the heap's free memory back to the system (glibc's `malloc_trim(3)`, every arena). glibc keeps freed
    /// large blocks for reuse once its dynamic mmap threshold has risen, so a process that once built a 10 MB
    /// recording would keep those pages resident for good. It walks the heaps: call it after rare, large work only.
    package static func returnFreeMemory() {
        _ = malloc_trim(0)
    }
}
