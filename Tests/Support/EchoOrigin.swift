import TapedeckCodec

/// Answers that are a function of the question: a Converse body, or ConverseStream frames, echoing the request's
/// text, so a test can tell which answer belongs to which request and rebuild what the origin sent for any of them.
package enum EchoOrigin {
    /// A Converse request asking `question`, as JSON text.
    package static func requestBody(_ question: String) -> String {
        String(decoding: JSONWriter.compact(.object([JSONMember("messages", .array([.object([
            JSONMember("role", .string("user")),
            JSONMember("content", .array([.object([JSONMember("text", .string(question))])])),
        ])]))])), as: UTF8.self)
    }

    /// The text of the first content block of the first message, or nil.
    package static func question(_ body: [UInt8]) -> String? {
        do {
            return try JSONParser.parse(body)["messages"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"]?.stringValue
        } catch {
            return nil
        }
    }

    /// The answer text: `echo: <question>`, then `padding` dots.
    package static func answer(_ question: String, padding: Int) -> String {
        "echo: \(question)" + String(repeating: ".", count: padding)
    }

    /// The Converse body the origin sends for `question`.
    package static func converseBody(_ question: String, padding: Int = 0) -> [UInt8] {
        JSONWriter.compact(.object([
            JSONMember("output", .object([JSONMember("message", .object([
                JSONMember("role", .string("assistant")),
                JSONMember("content", .array([.object([JSONMember("text", .string(answer(question, padding: padding)))])])),
            ]))])),
            JSONMember("stopReason", .string("end_turn")),
            JSONMember("usage", .object([
                JSONMember("inputTokens", .number("5")), JSONMember("outputTokens", .number("7")), JSONMember("totalTokens", .number("12")),
            ])),
            JSONMember("metrics", .object([JSONMember("latencyMs", .number("42"))])),
        ]))
    }

    /// The ConverseStream frames the origin sends for `question`: the answer in two deltas, metadata last.
    package static func streamFrames(_ question: String, padding: Int = 0) -> [[UInt8]] {
        let text = answer(question, padding: padding)
        let half = text.index(text.startIndex, offsetBy: text.count / 2)
        return StreamFrames.text([String(text[..<half]), String(text[half...])], inputTokens: 5, outputTokens: 7)
    }

    /// A handler answering every request from its question (a 400 when it has none); `padding` picks how many
    /// dots each answer carries.
    package static func handler(padding: @escaping @Sendable (String) -> Int = { _ in 0 }) -> TestOrigin.Handler {
        { request in
            guard let question = question(request.body) else {
                return .response(status: 400, headers: [("x-amzn-ErrorType", "ValidationException")],
                                 body: Array(#"{"message":"no question"}"#.utf8))
            }
            if request.path.hasSuffix("/converse-stream") {
                return .chunked(headers: StreamFrames.eventStream,
                                chunks: streamFrames(question, padding: padding(question)).map { TestOrigin.Chunk($0) })
            }
            return .response(headers: [("Content-Type", "application/json")], body: converseBody(question, padding: padding(question)))
        }
    }
}
