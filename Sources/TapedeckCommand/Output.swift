import Glibc
import TapedeckSystem

/// Where the command line writes: whole strings or bytes to stdout and stderr, retrying short writes and EINTR.
public enum Output {
    /// Writes `text` to standard output.
    public static func out(_ text: String) { write(1, Array(text.utf8)) }

    /// Writes `bytes` to standard output unchanged.
    public static func out(bytes: [UInt8]) { write(1, bytes) }

    /// Writes `text` to standard error.
    public static func err(_ text: String) { write(2, Array(text.utf8)) }

    /// Whether standard error is a terminal, so a progress bar may redraw itself with `\r`.
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }

    private static func write(_ fd: Int32, _ bytes: [UInt8]) {
        do {
            try Syscall.writeAll(fd, bytes)
        } catch {
            // A closed pipe (`tapedeck ls | head`) or a full disk: nothing more can be said, so stop quietly.
            return
        }
    }
}
