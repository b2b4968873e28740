import Glibc
import TapedeckSystem
import TapedeckBedrock

/// A stream's events, too many to hold, kept in a temporary file instead: each appended event is encoded at once as
/// its element of `response.events` in the store's `CassetteLayout`, joined by the layout's separator, so the file
/// holds exactly the middle of the cassette document; the store writes the layout's frame around it.
///
/// The file is created in the temporary directory and unlinked at once: it has no name while it is written, so it
/// is never left behind, whether the recording is stored, the stream breaks or the write fails; closing it (in
/// `deinit`) frees its space. Memory stays at one write buffer.
public final class EventSpool: @unchecked Sendable {  // Used by one thread at a time: the relay's, then the writer's.
    /// How the events are encoded.
    public let layout: CassetteLayout
    /// How many events it holds.
    public private(set) var count = 0
    /// The bytes of the events' elements and separators, written or still buffered.
    public private(set) var byteCount = 0
    /// Where the file was made, named in errors.
    public let directory: String
    private let fd: Int32
    private var buffered: [UInt8] = []
    /// Bytes gathered before one write(2).
    static let writeSize = 256 * 1024

    /// The directory spools go to unless told otherwise: `TMPDIR`, else `/tmp`.
    public static var defaultDirectory: String {
        guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
        return String(cString: value)
    }

    /// An empty spool for a store of `layout`, in a nameless file in `directory`.
    public init(layout: CassetteLayout, directory: String = EventSpool.defaultDirectory) throws(CassetteError) {
        self.layout = layout
        self.directory = directory
        var template = Array("\(directory)/tapedeck-spool-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .io(path: directory, error: SystemError("mkstemp", errno: errno)) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // Nameless from here on: only this descriptor keeps the file.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        buffered.reserveCapacity(Self.writeSize)
    }

    deinit { Syscall.close(fd) }

    /// Appends `event` as the next element.
    public func append(_ event: StreamEvent) throws(CassetteError) {
        let before = buffered.count
        if count > 0 { buffered.append(contentsOf: layout.separator) }
        layout.appendElement(event, to: &buffered)
        byteCount += buffered.count - before
        count += 1
        if buffered.count >= Self.writeSize { try flush() }
    }

    /// Writes out what is buffered.
    public func flush() throws(CassetteError) {
        guard !buffered.isEmpty else { return }
        do throws(SystemError) {
            try Syscall.writeAll(fd, buffered)
        } catch {
            throw .io(path: "\(directory) (a recording's spool)", error: error)
        }
        buffered.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with every byte of the events' elements in order, a piece at a time (each valid only during
    /// the call), after writing out what is buffered.
    public func read(_ body: (UnsafeRawBufferPointer) throws(CassetteError) -> Void) throws(CassetteError) {
        try flush()
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < byteCount {
            let wanted = min(piece.count, byteCount - offset)
            let n: Int
            do throws(SystemError) {
                n = try Syscall.call("pread") { piece.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, wanted, off_t(offset)) } }
            } catch {
                throw .io(path: "\(directory) (a recording's spool)", error: error)
            }
            // The file is this spool's alone: it cannot have shrunk.
            guard n > 0 else { throw .io(path: "\(directory) (a recording's spool)", error: SystemError("pread", errno: EIO)) }
            try piece.withBytes { raw throws(CassetteError) in try body(UnsafeRawBufferPointer(rebasing: raw[..<n])) }
            offset += n
        }
    }

    /// The whole document of `cassette` with these events (its own are ignored): the layout's frame around them.
    /// Each piece is handed to `body` in order.
    public func document(_ cassette: Cassette, _ body: (UnsafeRawBufferPointer) throws(CassetteError) -> Void) throws(CassetteError) {
        guard count > 0 else { return try empty(cassette).withBytes { raw throws(CassetteError) in try body(raw) } }
        let (prefix, suffix) = layout.frame(cassette)
        try prefix.withBytes { raw throws(CassetteError) in try body(raw) }
        try read(body)
        try suffix.withBytes { raw throws(CassetteError) in try body(raw) }
    }

    /// How many bytes `document` hands over for `cassette`.
    public func documentSize(_ cassette: Cassette) -> Int {
        guard count > 0 else { return empty(cassette).count }
        let (prefix, suffix) = layout.frame(cassette)
        return prefix.count + byteCount + suffix.count
    }

    /// The document of `cassette` with no events (an empty list has no elements to frame).
    private func empty(_ cassette: Cassette) -> [UInt8] {
        var empty = cassette
        empty.response.content = .events([])
        return layout.document(empty.jsonValue)
    }
}
