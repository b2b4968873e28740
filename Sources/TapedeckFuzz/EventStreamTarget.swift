import TapedeckCodec
import TapedeckBedrock

/// Bytes of an `application/vnd.amazon.eventstream` body into `EventStreamDecoder`, whole and in data-derived
/// pieces as upstream reads deliver them.
///
/// Properties: every way of cutting the bytes yields the same messages, the same error and the same unfinished
/// tail; each decoded message re-encodes to exactly the bytes it came from, and those bytes decode to it again.
/// Messages that make a stream are also folded into a Converse body, and that body synthesized back into events.
enum EventStreamTarget {
    /// Small, so inputs can reach the size limit.
    static let maxMessageBytes = 4096

    /// What the decoder produced from the bytes.
    struct Outcome: Equatable {
        var messages: [EventStreamMessage] = []
        var error: EventStreamError?
        var buffered = 0
        var consumed = 0
    }

    static func run(_ bytes: [UInt8]) {
        check(bytes)
        // A mutation almost always breaks a CRC, which stops decoding before the headers; so the same bytes run
        // again with every CRC made right, to reach the header and payload code.
        let fixed = withCorrectCRCs(bytes)
        if fixed != bytes { check(fixed) }
    }

    /// `bytes` with each message's prelude and message CRC recomputed, as far as the lengths frame messages.
    static func withCorrectCRCs(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var start = 0
        while start + EventStreamEncoder.preludeLength <= out.count {
            let total = out[start..<(start + 4)].reduce(0) { $0 << 8 | Int($1) }
            store(CRC32.checksum(out[start..<(start + 8)]), in: &out, at: start + 8)
            guard total >= EventStreamEncoder.overhead, total <= out.count - start else { break }
            store(CRC32.checksum(out[start..<(start + total - 4)]), in: &out, at: start + total - 4)
            start += total
        }
        return out
    }

    private static func store(_ value: UInt32, in bytes: inout [UInt8], at index: Int) {
        for shift in 0..<4 { bytes[index + shift] = UInt8(truncatingIfNeeded: value >> (24 - 8 * shift)) }
    }

    /// The properties for one input.
    static func check(_ bytes: [UInt8]) {
        let plans = Splits.of(bytes)
        let whole = decode(bytes, in: plans[0])
        for plan in plans.dropFirst() {
            let cut = decode(bytes, in: plan)
            if whole.error == nil {
                Property.check(cut == whole, "decoding in \(plan.count) pieces gives \(summary(cut)), whole gives \(summary(whole))")
            } else {
                // Messages completed in earlier pieces are returned before the error; the whole input returns none.
                Property.check(cut.error == whole.error, "decoding in \(plan.count) pieces fails with \(summary(cut)), whole with \(summary(whole))")
                checkReencoding(cut.messages, from: bytes)
            }
        }
        guard whole.error == nil else { return }
        Property.check(whole.consumed + whole.buffered == bytes.count, "\(whole.consumed) consumed + \(whole.buffered) buffered != \(bytes.count)")
        checkReencoding(whole.messages, from: bytes)
        fold(whole.messages)
    }

    static func decode(_ bytes: [UInt8], in plan: [Range<Int>]) -> Outcome {
        var decoder = EventStreamDecoder(maxMessageBytes: maxMessageBytes)
        var outcome = Outcome()
        for piece in plan {
            do {
                outcome.messages += try decoder.feed(Array(bytes[piece]))
            } catch {
                outcome.error = error
                // Once failed, the decoder keeps failing with the same error.
                let again = Result { () throws(EventStreamError) in try decoder.feed([0]) }
                Property.check(again.failure == error, "a failed decoder answered the next feed with \(again)")
                return outcome
            }
        }
        outcome.buffered = decoder.bufferedByteCount
        outcome.consumed = decoder.consumedByteCount
        return outcome
    }

    /// Decoded messages, re-encoded in order, are the first bytes of the input exactly, and decode to themselves.
    static func checkReencoding(_ messages: [EventStreamMessage], from bytes: [UInt8]) {
        var encoded: [UInt8] = []
        for message in messages {
            do {
                try EventStreamEncoder.encode(message, into: &encoded)
            } catch {
                // The encoder refuses headers botocore would refuse (over 128 KiB); nothing else that decoded.
                let headerBytes = message.headers.reduce(0) { $0 + $1.encodedLength }
                Property.check(headerBytes > EventStreamEncoder.maxHeadersBytes, "a decoded message cannot be encoded: \(error)")
                return
            }
        }
        Property.check(encoded.elementsEqual(bytes.prefix(encoded.count)) && encoded.count <= bytes.count,
                       "\(messages.count) decoded messages re-encode to other bytes")
        var decoder = EventStreamDecoder(maxMessageBytes: maxMessageBytes)
        let again = Result { () throws(EventStreamError) in try decoder.feed(encoded) }
        Property.check(again.success == messages && decoder.bufferedByteCount == 0, "re-encoded messages decode to \(again)")
    }

    /// Folds decoded events into a Converse body, and synthesizes that body back into events that fold to it too;
    /// InvokeModelWithResponseStream chunks likewise into an Anthropic Messages answer.
    static func fold(_ messages: [EventStreamMessage]) {
        var events: [StreamEvent] = []
        for message in messages {
            guard let type = message.eventType, let payload = try? JSONParser.parse(message.payload) else { return }
            events.append(StreamEvent(type: type, payload: payload))
        }
        if let first = events.first, first.type == InvokeChunk.eventType { return foldChunks(events) }
        guard let body = try? StreamFolder.fold(events) else { return }
        JSONTarget.check(body)
        // A stream cassette is never synthesized, so refusing is fine; but what is synthesized must fold back.
        guard let synthesized = try? StreamSynthesizer.events(from: body) else { return }
        let again = Result { () throws(StreamFoldError) in try StreamFolder.fold(synthesized) }
        Property.check(again.success.map(JSONTarget.canonicalBytes) == JSONTarget.canonicalBytes(body),
                       "a folded body, synthesized into events and folded again, gives \(again)")
    }

    /// Chunks as the stream relay records them: each kept event re-encodes to a payload that records the same way,
    /// and an Anthropic Messages stream that folds synthesizes back into events that fold to the same answer.
    static func foldChunks(_ events: [StreamEvent]) {
        var recorded: [StreamEvent] = []
        for event in events {
            guard let chunk = InvokeChunk.recorded(payload: event.payload, offsetMs: 0) else { return }
            let wire = InvokeChunk.wirePayload(chunk.payload)
            let again = InvokeChunk.recorded(payload: wire, offsetMs: 0)
            Property.check(again.map { JSONTarget.canonicalBytes($0.payload) } == JSONTarget.canonicalBytes(chunk.payload),
                           "a recorded chunk, sent and recorded again, gives \(String(describing: again))")
            recorded.append(chunk)
        }
        guard let model = InvokeChunk.modelEvents(recorded), let answer = try? AnthropicMessages.fold(model) else { return }
        JSONTarget.check(answer)
        guard let synthesized = try? AnthropicMessages.events(from: answer) else { return }
        let again = Result { () throws(StreamFoldError) in try AnthropicMessages.fold(synthesized) }
        Property.check(again.success.map(JSONTarget.canonicalBytes) == JSONTarget.canonicalBytes(answer),
                       "a folded Anthropic answer, synthesized and folded again, gives \(again)")
    }

    private static func summary(_ outcome: Outcome) -> String {
        "\(outcome.messages.count) messages, error \(outcome.error.map(\.description) ?? "none"), \(outcome.buffered) buffered"
    }
}

extension Result {
    /// The error, when this is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    /// The value, when this is a success.
    var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
