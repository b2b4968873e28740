/// Writes event-stream messages: prelude, prelude CRC, headers, payload, message CRC (AWS event-stream encoding).
public enum EventStreamEncoder {
    /// Bytes of the prelude: total length, headers length and their CRC, each a big-endian u32.
    public static let preludeLength = 12
    /// Bytes a message adds around its headers and payload: the prelude and the trailing message CRC.
    public static let overhead = preludeLength + 4
    /// Largest message written, matching the decoder's default (and aws-c-event-stream's 16 MiB limit).
    public static let maxMessageBytes = 16 * 1024 * 1024
    /// Largest headers region written: botocore's `EventStreamBuffer` refuses more than 128 KiB.
    public static let maxHeadersBytes = 128 * 1024

    /// The wire bytes of one message.
    public static func encode(_ message: EventStreamMessage) throws(EventStreamError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(message, into: &out)
        return out
    }

    /// Appends the wire bytes of one message to `out`; on error `out` is left as it was.
    public static func encode(_ message: EventStreamMessage, into out: inout [UInt8]) throws(EventStreamError) {
        var headersLength = 0
        for header in message.headers {
            if let problem = header.encodingProblem {
                throw .encoding(problem)
            }
            headersLength += header.encodedLength
        }
        guard headersLength <= maxHeadersBytes else {
            throw .encoding("headers take \(headersLength) bytes (at most \(maxHeadersBytes))")
        }
        let totalLength = overhead + headersLength + message.payload.count
        guard totalLength <= maxMessageBytes else {
            throw .encoding("message would be \(totalLength) bytes (at most \(maxMessageBytes))")
        }

        let start = out.count
        out.reserveCapacity(start + totalLength)
        appendBigEndian(UInt32(totalLength), to: &out)
        appendBigEndian(UInt32(headersLength), to: &out)
        // Event-stream encoding: the prelude CRC covers total length and headers length.
        let preludeCRC = CRC32.checksum(out[start...])
        appendBigEndian(preludeCRC, to: &out)
        for header in message.headers {
            header.write(into: &out)
        }
        out.append(contentsOf: message.payload)
        // Event-stream encoding: the message CRC covers every byte before it, the prelude CRC included.
        let messageCRC = CRC32.checksum(out[(start + 8)...], seed: preludeCRC)
        appendBigEndian(messageCRC, to: &out)
        assert(out.count - start == totalLength, "event-stream length accounting is off")
    }

    /// The wire bytes of several messages, one after another, as a stream body carries them.
    public static func encode(_ messages: [EventStreamMessage]) throws(EventStreamError) -> [UInt8] {
        var out: [UInt8] = []
        for message in messages {
            try encode(message, into: &out)
        }
        return out
    }

    /// Appends `value` in big-endian byte order, as every event-stream integer travels.
    @inline(__always)
    static func appendBigEndian<Value: FixedWidthInteger>(_ value: Value, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
