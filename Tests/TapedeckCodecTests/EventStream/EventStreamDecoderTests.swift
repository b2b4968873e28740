import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct EventStreamDecoderTests {
    /// Feeds `bytes` in chunks of the given sizes (the last chunk takes the rest) and collects every message.
    private func decode(_ bytes: [UInt8], chunks sizes: [Int], decoder: inout EventStreamDecoder) throws -> [EventStreamMessage] {
        var messages: [EventStreamMessage] = []
        var offset = 0
        for size in sizes where offset < bytes.count {
            let end = min(bytes.count, offset + size)
            messages += try bytes[offset..<end].withUnsafeBytes { raw in try decoder.feed(raw) }
            offset = end
        }
        messages += try decoder.feed(Array(bytes[offset...]))
        return messages
    }

    /// The error the decoder throws for `bytes` fed whole, or nil.
    private func error(feeding bytes: [UInt8], maxMessageBytes: Int = 16 * 1024 * 1024) -> EventStreamError? {
        var decoder = EventStreamDecoder(maxMessageBytes: maxMessageBytes)
        do {
            _ = try decoder.feed(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesTheWorkedExample() throws {
        var decoder = EventStreamDecoder()
        let messages = try decoder.feed(EventStreamFixtures.exampleFrame)
        #expect(messages == [EventStreamFixtures.exampleMessage])
        #expect(messages.first?.eventType == "contentBlockDelta")
        #expect(messages.first?.stringHeader(":content-type") == "application/json")
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.consumedByteCount == 159)
    }

    @Test func wholeByteByByteAndRandomSplitsAgree() throws {
        var generator = ConverseFixtures.SeededGenerator(state: 2_024)
        let messages = EventStreamFixtures.variedMessages(50, using: &generator)
        let stream = try EventStreamEncoder.encode(messages)

        var whole = EventStreamDecoder()
        #expect(try whole.feed(stream) == messages)
        #expect(whole.bufferedByteCount == 0)

        var bytewise = EventStreamDecoder()
        #expect(try decode(stream, chunks: Array(repeating: 1, count: stream.count), decoder: &bytewise) == messages)
        #expect(bytewise.bufferedByteCount == 0)

        for pattern in 0..<200 {
            let maxChunk = [2, 16, 200, 5_000][pattern % 4]
            var sizes: [Int] = []
            var covered = 0
            while covered < stream.count {
                sizes.append(Int.random(in: 0...maxChunk, using: &generator))
                covered += sizes[sizes.count - 1]
            }
            var decoder = EventStreamDecoder()
            #expect(try decode(stream, chunks: sizes, decoder: &decoder) == messages, "split pattern \(pattern)")
            #expect(decoder.bufferedByteCount == 0)
            #expect(decoder.consumedByteCount == stream.count)
        }
    }

    @Test func bufferedByteCountTracksTheUnfinishedMessage() throws {
        let frame = EventStreamFixtures.exampleFrame
        var decoder = EventStreamDecoder()
        #expect(try decoder.feed(Array(frame[..<5])) == [])
        #expect(decoder.bufferedByteCount == 5)
        #expect(try decoder.feed(Array(frame[5..<100])) == [])
        #expect(decoder.bufferedByteCount == 100)
        #expect(try decoder.feed(Array(frame[100...] + frame[..<20])) == [EventStreamFixtures.exampleMessage])
        #expect(decoder.bufferedByteCount == 20)
        #expect(try decoder.feed(Array(frame[20...])) == [EventStreamFixtures.exampleMessage])
        #expect(decoder.bufferedByteCount == 0)
        #expect(try decoder.feed([]) == [])
    }

    @Test func everyTruncationIsBufferedNotAnError() throws {
        let stream = EventStreamFixtures.exampleFrame + EventStreamFixtures.exampleFrame
        for cut in 0..<stream.count {
            var decoder = EventStreamDecoder()
            let messages = try decoder.feed(Array(stream[..<cut]))
            #expect(messages.count == (cut < 159 ? 0 : 1), "cut at \(cut)")
            #expect(decoder.bufferedByteCount == cut % 159, "cut at \(cut)")
        }
    }

    @Test func largeMessagesArriveWholeFromSmallChunks() throws {
        var generator = ConverseFixtures.SeededGenerator(state: 65_536)
        let payload = (0..<1_048_576).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let big = EventStreamMessage.event(type: "contentBlockDelta", payload: payload)
        let stream = try EventStreamEncoder.encode([big, EventStreamFixtures.exampleMessage, big])
        var decoder = EventStreamDecoder()
        let messages = try decode(stream, chunks: Array(repeating: 1_000, count: stream.count / 1_000), decoder: &decoder)
        #expect(messages == [big, EventStreamFixtures.exampleMessage, big])

        let medium = EventStreamMessage(headers: [], payload: Array(payload[..<65_536]))
        var bytewise = EventStreamDecoder()
        let mediumStream = try EventStreamEncoder.encode(medium)
        #expect(try decode(mediumStream, chunks: Array(repeating: 1, count: mediumStream.count), decoder: &bytewise) == [medium])
    }

    @Test func aFlippedBitInThePreludeFailsThePreludeCRC() {
        let frame = EventStreamFixtures.exampleFrame
        for byte in 0..<12 {
            for bit in 0..<8 {
                var corrupt = frame
                corrupt[byte] ^= 1 << bit
                let reason = error(feeding: corrupt)?.reason ?? "no error"
                #expect(reason.hasPrefix("prelude CRC mismatch"), "byte \(byte) bit \(bit): \(reason)")
            }
        }
    }

    @Test func aFlippedBitAfterThePreludeFailsTheMessageCRC() {
        let frame = EventStreamFixtures.exampleFrame
        for byte in 12..<frame.count {
            for bit in 0..<8 {
                var corrupt = frame
                corrupt[byte] ^= 1 << bit
                let reason = error(feeding: corrupt)?.reason ?? "no error"
                #expect(reason.hasPrefix("message CRC mismatch"), "byte \(byte) bit \(bit): \(reason)")
            }
        }
    }

    @Test func errorsNameTheStreamOffsetOfTheFaultyMessage() {
        var corrupt = EventStreamFixtures.exampleFrame
        corrupt.replaceSubrange(8..<12, with: [0, 0, 0, 0])
        let stream = EventStreamFixtures.exampleFrame + EventStreamFixtures.exampleFrame + corrupt
        let failure = error(feeding: stream)
        #expect(failure == EventStreamError(offset: 318, reason: "prelude CRC mismatch (expected 0xc37babff, got 0x00000000)"))
        #expect(failure?.description == "event stream at byte 318: prelude CRC mismatch (expected 0xc37babff, got 0x00000000)")

        var badPayload = EventStreamFixtures.exampleFrame
        badPayload[100] = UInt8(ascii: "X")
        let messageFailure = error(feeding: EventStreamFixtures.exampleFrame + badPayload)
        #expect(messageFailure?.offset == 159)
        #expect(messageFailure?.reason.hasPrefix("message CRC mismatch (expected 0x") == true)
        #expect(messageFailure?.reason.hasSuffix(", got 0xf2ace5ff)") == true)
    }

    @Test(arguments: [
        (UInt32(0), UInt32(0), "total length 0 is below the 16-byte minimum message"),
        (15, 0, "total length 15 is below the 16-byte minimum message"),
        (UInt32.max, 0, "total length 4294967295 exceeds the limit of 16777216 bytes"),
        (16 * 1024 * 1024 + 1, 0, "total length 16777217 exceeds the limit of 16777216 bytes"),
        (16, 1, "headers length 1 exceeds the 0 bytes a 16-byte message has for headers and payload"),
        (100, 85, "headers length 85 exceeds the 84 bytes a 100-byte message has for headers and payload"),
        (100, UInt32.max, "headers length 4294967295 exceeds the 84 bytes a 100-byte message has for headers and payload"),
    ] as [(UInt32, UInt32, String)])
    func rejectsImpossibleLengthsFromThePreludeAlone(total: UInt32, headers: UInt32, reason: String) {
        // Twelve bytes are enough: the decoder must not wait for (or buffer) the announced length.
        let prelude = EventStreamFixtures.prelude(totalLength: total, headersLength: headers)
        #expect(error(feeding: prelude) == EventStreamError(offset: 0, reason: reason))
    }

    @Test func honoursACustomMessageLimit() throws {
        #expect(error(feeding: EventStreamFixtures.exampleFrame, maxMessageBytes: 158)
            == EventStreamError(offset: 0, reason: "total length 159 exceeds the limit of 158 bytes"))
        var decoder = EventStreamDecoder(maxMessageBytes: 159)
        #expect(try decoder.feed(EventStreamFixtures.exampleFrame) == [EventStreamFixtures.exampleMessage])
    }

    @Test func staysFailedAfterAnError() throws {
        var decoder = EventStreamDecoder()
        #expect(try decoder.feed(EventStreamFixtures.exampleFrame).count == 1)
        let bad = EventStreamFixtures.frame(headers: [0x01, 0x61, 0x0A])
        let expected = EventStreamError(offset: 159, reason: "header \"a\" at message byte 12: unknown value type 10")
        #expect(throws: expected) { try decoder.feed(bad) }
        #expect(decoder.failure == expected)
        #expect(throws: expected) { try decoder.feed(EventStreamFixtures.exampleFrame) }
        #expect(throws: expected) { try decoder.feed([]) }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = ConverseFixtures.SeededGenerator(state: 10_000)
        for round in 0..<10_000 {
            let count = Int.random(in: 0...(round % 10 == 0 ? 2_000 : 64), using: &generator)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            var decoder = EventStreamDecoder()
            do {
                let messages = try decoder.feed(bytes)
                #expect(messages.isEmpty && count < 12, "\(count) random bytes passed the prelude CRC")
                #expect(decoder.bufferedByteCount == count)
            } catch {
                #expect(error.reason.hasPrefix("prelude CRC mismatch"), "\(error)")
            }
        }
    }

    @Test func randomHeadersBehindValidCRCsDecodeCanonicallyOrFail() throws {
        // Past both CRCs, only the header parser stands between hostile bytes and a message; whatever it
        // accepts must re-encode to exactly the bytes it came from.
        var generator = ConverseFixtures.SeededGenerator(state: 7_777)
        let valid = Array(try EventStreamEncoder.encode(EventStreamMessage(headers: EventStreamFixtures.everyHeaderType, payload: [])).dropFirst(12).dropLast(4))
        var accepted = 0
        for round in 0..<10_000 {
            var headers: [UInt8]
            if round % 2 == 0 {
                headers = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                headers = valid
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    headers[Int.random(in: 0..<headers.count, using: &generator)] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            let frame = EventStreamFixtures.frame(headers: headers, payload: [1, 2])
            var decoder = EventStreamDecoder()
            do {
                let messages = try decoder.feed(frame)
                accepted += 1
                #expect(messages.count == 1)
                #expect(try EventStreamEncoder.encode(messages) == frame)
            } catch {
                #expect(error.offset == 0)
                #expect(error.reason.hasPrefix("header "), "\(error)")
            }
        }
        #expect(accepted > 100)
    }
}
