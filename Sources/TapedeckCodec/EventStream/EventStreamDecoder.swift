/// An incremental event-stream reader: feed bytes as they arrive, get back every message they complete.
///
/// Messages are cut straight from the caller's bytes when nothing is pending; otherwise the unfinished message is
/// buffered behind an offset and the buffer is compacted only once most of it has been consumed.
public struct EventStreamDecoder: Sendable {
    /// Largest message accepted; a prelude announcing more fails before anything that large is buffered.
    public let maxMessageBytes: Int
    /// Bytes held for unfinished messages; those before `start` are already consumed.
    private var buffer: [UInt8] = []
    /// Index in `buffer` of the first byte of the next message.
    private var start = 0
    /// Stream offset of the next message (every byte before it was consumed).
    private var streamOffset = 0
    /// Total length of the next message once its prelude has been checked, else 0.
    private var pendingLength = 0
    /// The first error met; once set, every feed throws it again.
    public private(set) var failure: EventStreamError?

    /// Creates a decoder that refuses messages over `maxMessageBytes` (at least 16, the smallest message).
    public init(maxMessageBytes: Int = 16 * 1024 * 1024) {
        precondition(maxMessageBytes >= EventStreamEncoder.overhead, "maxMessageBytes below the smallest message")
        self.maxMessageBytes = maxMessageBytes
    }

    /// Bytes of an unfinished message held for the next feed; 0 means the input so far ended on a message boundary.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Stream offset just past the last complete message returned.
    public var consumedByteCount: Int { streamOffset }

    /// Consumes `bytes` and returns the messages they complete, in order; an unfinished message waits for more.
    ///
    /// A malformed message throws, and so does every later feed (with the same error): the stream cannot be
    /// resynchronised. Messages completed earlier in the failing chunk are not returned.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(EventStreamError) -> [EventStreamMessage] {
        if let failure { throw failure }
        do {
            return try consume(bytes)
        } catch {
            failure = error
            throw error
        }
    }

    /// Consumes the bytes of an array; see `feed(_:)`.
    public mutating func feed(_ bytes: [UInt8]) throws(EventStreamError) -> [EventStreamMessage] {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(EventStreamError) in try feed(raw) }
        }
        return try result.get()
    }

    private mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(EventStreamError) -> [EventStreamMessage] {
        var messages: [EventStreamMessage] = []
        if bufferedByteCount == 0 {
            // Nothing pending: read whole messages in place and keep only the unfinished tail.
            buffer.removeAll(keepingCapacity: true)
            start = 0
            let used = try Self.read(bytes, streamOffset: streamOffset, pendingLength: &pendingLength,
                                     limit: maxMessageBytes, into: &messages)
            streamOffset += used
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[used...]))
            return messages
        }
        if start >= bufferedByteCount {
            // Moving the live bytes costs no more than the bytes consumed since the last move: amortised O(1).
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
        let (first, offset, limit) = (start, streamOffset, maxMessageBytes)
        var pending = pendingLength
        let result = buffer.withUnsafeBytes { raw in
            Result { () throws(EventStreamError) -> Int in
                try Self.read(UnsafeRawBufferPointer(rebasing: raw[first...]), streamOffset: offset,
                              pendingLength: &pending, limit: limit, into: &messages)
            }
        }
        let used = try result.get()
        pendingLength = pending
        start += used
        streamOffset += used
        return messages
    }

    /// Reads every complete message at the front of `bytes`; returns how many bytes they took.
    ///
    /// `pendingLength` carries the checked total length of a message whose prelude arrived without the rest.
    private static func read(
        _ bytes: UnsafeRawBufferPointer, streamOffset: Int, pendingLength: inout Int, limit: Int,
        into messages: inout [EventStreamMessage]
    ) throws(EventStreamError) -> Int {
        var index = 0
        while true {
            let available = bytes.count - index
            if pendingLength == 0 {
                guard available >= EventStreamEncoder.preludeLength else { return index }
                pendingLength = try checkPrelude(bytes, at: index, streamOffset: streamOffset + index, limit: limit)
            }
            guard available >= pendingLength else { return index }
            let region = UnsafeRawBufferPointer(rebasing: bytes[index..<(index + pendingLength)])
            messages.append(try message(region, streamOffset: streamOffset + index))
            index += pendingLength
            pendingLength = 0
        }
    }

    /// Checks the prelude at `index` and returns the message's total length, which is only trusted after its CRC.
    private static func checkPrelude(
        _ bytes: UnsafeRawBufferPointer, at index: Int, streamOffset: Int, limit: Int
    ) throws(EventStreamError) -> Int {
        let totalLength = Int(bigEndianUInt32(bytes, at: index))
        let headersLength = Int(bigEndianUInt32(bytes, at: index + 4))
        let stored = bigEndianUInt32(bytes, at: index + 8)
        // Event-stream encoding: the prelude CRC covers the two lengths; check it before believing either.
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + 8)]))
        guard computed == stored else {
            throw .crcMismatch("prelude", offset: streamOffset, expected: computed, got: stored)
        }
        guard totalLength >= EventStreamEncoder.overhead else {
            throw EventStreamError(offset: streamOffset, reason:
                "total length \(totalLength) is below the \(EventStreamEncoder.overhead)-byte minimum message")
        }
        guard totalLength <= limit else {
            throw EventStreamError(offset: streamOffset, reason:
                "total length \(totalLength) exceeds the limit of \(limit) bytes")
        }
        guard headersLength <= totalLength - EventStreamEncoder.overhead else {
            throw EventStreamError(offset: streamOffset, reason:
                "headers length \(headersLength) exceeds the \(totalLength - EventStreamEncoder.overhead) bytes "
                    + "a \(totalLength)-byte message has for headers and payload")
        }
        return totalLength
    }

    /// Decodes one whole message whose prelude was checked: message CRC, then headers, then payload.
    private static func message(
        _ region: UnsafeRawBufferPointer, streamOffset: Int
    ) throws(EventStreamError) -> EventStreamMessage {
        let crcIndex = region.count - 4
        let stored = bigEndianUInt32(region, at: crcIndex)
        // Event-stream encoding: the message CRC covers every byte before it, the prelude CRC included.
        let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: region[..<crcIndex]))
        guard computed == stored else {
            throw .crcMismatch("message", offset: streamOffset, expected: computed, got: stored)
        }
        let headersEnd = EventStreamEncoder.preludeLength + Int(bigEndianUInt32(region, at: 4))
        let headers = try EventStreamHeader.parseAll(
            UnsafeRawBufferPointer(rebasing: region[EventStreamEncoder.preludeLength..<headersEnd]),
            messageOffset: streamOffset
        )
        return EventStreamMessage(headers: headers, payload: Array(region[headersEnd..<crcIndex]))
    }

    @inline(__always)
    private static func bigEndianUInt32(_ bytes: UnsafeRawBufferPointer, at index: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
    }
}
