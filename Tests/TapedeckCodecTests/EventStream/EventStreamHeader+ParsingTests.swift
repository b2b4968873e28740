import Testing
@testable import TapedeckCodec
import TapedeckTestSupport

@Suite struct EventStreamHeaderParsingTests {
    /// The error (if any) a decoder meets reading a well-framed message around raw `headers` bytes.
    private func decodeError(headers: [UInt8], payload: [UInt8] = [0x7B, 0x7D]) -> EventStreamError? {
        var decoder = EventStreamDecoder()
        do {
            let messages = try decoder.feed(EventStreamFixtures.frame(headers: headers, payload: payload))
            Issue.record("decoded \(messages) from headers \(EventStreamFixtures.hex(headers))")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ([0x00, 0x07, 0x00, 0x00], "header 1 at message byte 12: empty name"),
        ([0x05, 0x61, 0x62], "header 1 at message byte 12: name needs 5 bytes, only 2 left in the headers"),
        ([0x02, 0xC3, 0x28, 0x00], "header 1 at message byte 12: name is not valid UTF-8"),
        ([0x01, 0x61], "header \"a\" at message byte 12: value type needs 1 byte, only 0 left in the headers"),
        ([0x01, 0x61, 0x0A], "header \"a\" at message byte 12: unknown value type 10"),
        ([0x01, 0x61, 0xFF, 0x00], "header \"a\" at message byte 12: unknown value type 255"),
        ([0x01, 0x61, 0x02], "header \"a\" at message byte 12: int8 value needs 1 byte, only 0 left in the headers"),
        ([0x01, 0x61, 0x03, 0x00], "header \"a\" at message byte 12: int16 value needs 2 bytes, only 1 left in the headers"),
        ([0x01, 0x61, 0x04, 0x00, 0x00, 0x00], "header \"a\" at message byte 12: int32 value needs 4 bytes, only 3 left in the headers"),
        ([0x01, 0x61, 0x05, 0x00], "header \"a\" at message byte 12: int64 value needs 8 bytes, only 1 left in the headers"),
        ([0x01, 0x61, 0x08, 0x00, 0x00], "header \"a\" at message byte 12: timestamp value needs 8 bytes, only 2 left in the headers"),
        ([0x01, 0x61, 0x09] + Array(repeating: 0, count: 15), "header \"a\" at message byte 12: uuid value needs 16 bytes, only 15 left in the headers"),
        ([0x01, 0x61, 0x06, 0x00], "header \"a\" at message byte 12: bytes length needs 2 bytes, only 1 left in the headers"),
        ([0x01, 0x61, 0x07, 0x00, 0x05, 0x61, 0x62], "header \"a\" at message byte 12: string value needs 5 bytes, only 2 left in the headers"),
        ([0x01, 0x61, 0x07, 0x00, 0x02, 0xC3, 0x28], "header \"a\" at message byte 12: string value is not valid UTF-8"),
        ([0x01, 0x61, 0x07, 0x00, 0x03, 0xED, 0xA0, 0x80], "header \"a\" at message byte 12: string value is not valid UTF-8"),
        ([0x01, 0x61, 0x00, 0x00], "header 2 at message byte 15: empty name"),
        ([0x01, 0x61, 0x00, 0x01, 0x62, 0x01, 0x03], "header 3 at message byte 18: name needs 3 bytes, only 0 left in the headers"),
    ] as [([UInt8], String)])
    func rejectsMalformedHeaders(headers: [UInt8], reason: String) {
        #expect(decodeError(headers: headers) == EventStreamError(offset: 0, reason: reason))
    }

    @Test func neverReadsAValuePastTheHeadersRegionIntoThePayload() {
        // The string claims 6 bytes; the region holds 2 but the payload right after it holds plenty.
        let headers: [UInt8] = [0x01, 0x61, 0x07, 0x00, 0x06, 0x61, 0x62]
        #expect(decodeError(headers: headers, payload: Array("cdefgh".utf8))
            == EventStreamError(offset: 0, reason: "header \"a\" at message byte 12: string value needs 6 bytes, only 2 left in the headers"))
        let uuid: [UInt8] = [0x01, 0x75, 0x09] + Array(repeating: 1, count: 8)
        #expect(decodeError(headers: uuid, payload: Array(repeating: 2, count: 16))
            == EventStreamError(offset: 0, reason: "header \"u\" at message byte 12: uuid value needs 16 bytes, only 8 left in the headers"))
    }

    @Test func everyTruncationOfAValidHeadersRegionIsRejected() throws {
        let full = try EventStreamEncoder.encode(EventStreamMessage(headers: EventStreamFixtures.everyHeaderType, payload: []))
        let region = Array(full[12..<(full.count - 4)])
        let boundaries = headerBoundaries(EventStreamFixtures.everyHeaderType)
        for cut in 1..<region.count where !boundaries.contains(cut) {
            let error = decodeError(headers: Array(region[..<cut]))
            #expect(error != nil, "cut at \(cut)")
        }
    }

    @Test func headersEndingOnAHeaderBoundaryDecode() throws {
        let headers = EventStreamFixtures.everyHeaderType
        let region = Array(try EventStreamEncoder.encode(EventStreamMessage(headers: headers, payload: [])).dropFirst(12).dropLast(4))
        var decoder = EventStreamDecoder()
        var end = 0
        for (count, header) in headers.enumerated() {
            end += header.encodedLength
            let messages = try decoder.feed(EventStreamFixtures.frame(headers: Array(region[..<end])))
            #expect(messages == [EventStreamMessage(headers: Array(headers[...count]), payload: [])])
        }
    }

    /// Byte offsets in the headers region where each header ends.
    private func headerBoundaries(_ headers: [EventStreamHeader]) -> Set<Int> {
        var boundaries: Set<Int> = []
        var end = 0
        for header in headers {
            end += header.encodedLength
            boundaries.insert(end)
        }
        return boundaries
    }
}
