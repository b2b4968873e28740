import Testing
@testable import TapedeckHTTP

@Suite struct HeadParserTests {
    /// RFC 9110 §5.6.2's tchar, spelled out as the RFC lists it: the oracle for the parser's bit table.
    static let tchars = Set(Array("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8))

    static func parse(_ bytes: [UInt8]) -> Result<HTTPRequestHead, HTTPError> {
        bytes.withUnsafeBufferPointer { pointer in Result { () throws(HTTPError) in try HeadParser.parse(pointer) } }
    }

    static func head(method: [UInt8] = Array("POST".utf8), name: [UInt8] = Array("X-Test".utf8), value: [UInt8] = Array("v".utf8)) -> [UInt8] {
        method + Array(" /model/m/converse HTTP/1.1\r\nHost: h\r\n".utf8) + name + Array(": ".utf8) + value + Array("\r\n".utf8)
    }

    @Test func everyByteIsATokenByteExactlyWhenTheRFCSaysSo() {
        for byte in UInt8.min...UInt8.max {
            #expect(HeadParser.isTokenByte(byte) == Self.tchars.contains(byte), "byte \(byte)")
        }
    }

    @Test func aHeaderNameOrMethodWithAByteOutsideTcharIsRefusedAndEveryTcharIsKept() throws {
        for byte in UInt8.min...UInt8.max where byte != UInt8(ascii: ":") {
            let name = Array("X-".utf8) + [byte] + Array("Y".utf8)
            let parsed = Self.parse(Self.head(name: name))
            if Self.tchars.contains(byte) {
                let head = try parsed.get()
                #expect(head.headers[String(decoding: name, as: UTF8.self)] == "v", "byte \(byte)")
            } else {
                #expect(throws: HTTPError.self, "byte \(byte)") { try parsed.get() }
            }
            let method = Self.parse(Self.head(method: Array("PO".utf8) + [byte] + Array("ST".utf8)))
            if Self.tchars.contains(byte) {
                #expect(try method.get().method == String(decoding: Array("PO".utf8) + [byte] + Array("ST".utf8), as: UTF8.self))
            } else {
                #expect(throws: HTTPError.self, "method byte \(byte)") { try method.get() }
            }
        }
    }

    @Test func aHeaderValueRefusesControlBytesOtherThanTabAndKeepsTheRest() throws {
        for byte in UInt8.min...UInt8.max {
            let parsed = Self.parse(Self.head(value: Array("a".utf8) + [byte] + Array("b".utf8)))
            if byte < 0x20 && byte != 0x09 {
                #expect(throws: HTTPError.self, "byte \(byte)") { try parsed.get() }
            } else {
                let head = try parsed.get()
                #expect(head.headers.values("X-Test").count == 1, "byte \(byte)")
            }
        }
    }

    @Test func optionalWhitespaceAroundAValueIsTrimmed() throws {
        let head = try Self.parse(Self.head(value: Array("\t  spaced out \t ".utf8))).get()
        #expect(head.headers["X-Test"] == "spaced out")
    }
}
