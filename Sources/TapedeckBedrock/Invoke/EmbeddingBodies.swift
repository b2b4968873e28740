import TapedeckCodec
/// The embedding models' InvokeModel bodies (PROTOCOL.md "Model formats"), read for showing and stats: Amazon
/// Titan text embeddings (`{"inputText"}` → `{"embedding", "inputTextTokenCount", "embeddingsByType"}`) and Cohere
/// embed (`{"texts", "input_type"}` → `{"id", "embeddings", "response_type", "texts"}`).
public enum EmbeddingBodies {
    /// The texts the request asks to embed: Titan's one `inputText`, or Cohere's `texts` (every element a string);
    /// nil for any other body.
    public static func inputs(of request: JSONValue) -> [String]? {
        if let text = request["inputText"]?.stringValue { return [text] }
        guard let texts = request["texts"]?.arrayValue else { return nil }
        let strings = texts.compactMap(\.stringValue)
        return strings.count == texts.count ? strings : nil
    }

    /// How many numbers each embedding of the answer has: Titan's one `embedding` (else the first type of its
    /// `embeddingsByType`), or each of Cohere's `embeddings`, which are either a list of vectors
    /// (`embeddings_floats`) or, by type, `{"float": [[…]], "int8": [[…]], …}`, of which the first type present
    /// counts (the types' vectors have the same length). Nil for any other body or when a vector is not an array.
    public static func vectorLengths(of answer: JSONValue) -> [Int]? {
        if let embedding = answer["embedding"] {
            return embedding.arrayValue.map { [$0.count] }
        }
        if let byType = answer["embeddingsByType"]?.objectValue, let first = byType.first {
            return first.value.arrayValue.map { [$0.count] }
        }
        guard let embeddings = answer["embeddings"] else { return nil }
        let vectors: JSONValue? = embeddings.arrayValue != nil ? embeddings : embeddings.objectValue?.first?.value
        guard let list = vectors?.arrayValue else { return nil }
        var lengths: [Int] = []
        lengths.reserveCapacity(list.count)
        for vector in list {
            guard let numbers = vector.arrayValue else { return nil }
            lengths.append(numbers.count)
        }
        return lengths
    }

    /// Titan's `inputTextTokenCount`; nil when absent (Cohere's answer has no token count) or not an integer.
    public static func inputTokens(of answer: JSONValue) -> Int? {
        answer["inputTextTokenCount"]?.numberLiteral.flatMap { Int($0) }
    }
}
