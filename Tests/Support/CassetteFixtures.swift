import Foundation
import Glibc
import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock
import TapedeckStore

/// Cassettes and scratch directories for the store tests.
package enum CassetteFixtures {
    package static let model = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0"

    /// A request touching every JSON shape: nesting, escapes, `/`, non-ASCII, number spellings, empty containers.
    package static func request(_ text: String) -> JSONValue {
        .object([
            JSONMember("messages", .array([
                .object([
                    JSONMember("content", .array([.object([JSONMember("text", .string(text))])])),
                    JSONMember("role", .string("user")),
                ]),
            ])),
            JSONMember("inferenceConfig", .object([
                JSONMember("maxTokens", .number("512")),
                JSONMember("temperature", .number("0.70")),
                JSONMember("stopSequences", .array([.string("\n\nHuman:")])),
            ])),
            JSONMember("additionalModelRequestFields", .object([
                JSONMember("nested", .array([.null, .bool(true), .bool(false), .number("-0"), .number("1e-7")])),
                JSONMember("empty", .object([])),
                JSONMember("none", .array([])),
            ])),
        ])
    }

    /// A Converse answer whose text is `text`.
    package static func responseBody(_ text: String) -> JSONValue {
        .object([
            JSONMember("output", .object([JSONMember("message", .object([
                JSONMember("role", .string("assistant")),
                JSONMember("content", .array([.object([JSONMember("text", .string(text))])])),
            ]))])),
            JSONMember("stopReason", .string("end_turn")),
            JSONMember("usage", .object([
                JSONMember("inputTokens", .number("3")),
                JSONMember("outputTokens", .number("12")),
                JSONMember("totalTokens", .number("15")),
            ])),
            JSONMember("metrics", .object([JSONMember("latencyMs", .number("321"))])),
        ])
    }

    /// A cassette whose key really is derived from its request; `text` varies the request (and so the key).
    package static func cassette(_ text: String = "Café ☕ 😀 \"quoted\" a/b\\c\ttab", answer: String = "Hello / bonjour",
                         latency: Int = 321, recordedAt: String = "2026-11-25T17:04:05Z") -> Cassette {
        let request = request(text)
        let key: CacheKey
        do {
            key = try CacheKey.derive(modelId: model, body: request)
        } catch {
            preconditionFailure("fixture request cannot be keyed: \(error)")
        }
        return Cassette(
            key: key, operation: .converseStream, modelId: model, request: request,
            response: RecordedResponse(status: 200, contentType: "application/json", body: responseBody(answer)),
            upstreamLatencyMs: latency, recordedAt: recordedAt)
    }

    /// `value` with every object's members in the order the pretty writer puts them, as a load returns them.
    package static func sortedKeys(_ value: JSONValue) -> JSONValue { value.sortedKeys }

    /// `cassette` as it reads back from a file.
    package static func asLoaded(_ cassette: Cassette) -> Cassette {
        var copy = cassette
        copy.request = sortedKeys(cassette.request)
        switch cassette.response.content {
        case .body(let body):
            copy.response.content = .body(sortedKeys(body))
        case .events(let events):
            copy.response.content = .events(events.map { StreamEvent(type: $0.type, payload: sortedKeys($0.payload), offsetMs: $0.offsetMs) })
        case .bytes:
            break
        }
        copy.response.headers = JSONWriter.sortedByUTF16(cassette.response.headers.map { JSONMember($0.name, .string($0.value)) })
            .map { HeaderPair($0.key, $0.value.stringValue ?? "") }
        return copy
    }

    /// Every name under `root`, as paths relative to it, sorted (dot files included).
    package static func tree(_ root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        return enumerator.compactMap { $0 as? String }.sorted()
    }

    package static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    package static func read(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    package static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n")
    }
}

/// A fresh directory under /tmp for one test; `remove()` deletes it with everything inside.
package struct ScratchDirectory: Sendable {
    package let path: String

    package init(_ label: String = #function) throws {
        let safe = label.filter { $0.isLetter || $0.isNumber }.prefix(40)
        var template = Array("/tmp/tapedeck-\(safe)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SystemError("mkdtemp", errno: errno)
        }
        path = String(cString: made)
    }

    /// A path inside the directory.
    package func callAsFunction(_ relative: String) -> String { "\(path)/\(relative)" }

    package func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
