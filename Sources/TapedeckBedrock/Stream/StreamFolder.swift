import TapedeckCodec
/// Folds the events of a complete ConverseStream answer into the body `converse` would have returned.
public enum StreamFolder {
    /// The Converse response body for `events`: `output.message`, `stopReason`, `usage`, `metrics`, and
    /// `additionalModelResponseFields`, `trace`, `performanceConfig`, `serviceTier` when the stream had them.
    public static func fold(_ events: [StreamEvent]) throws(StreamFoldError) -> JSONValue {
        var state = State()
        for (position, event) in events.enumerated() {
            do throws(StreamFoldError) {
                try state.take(event)
            } catch {
                throw error.within("event \(position) (\(event.type))")
            }
        }
        return try state.body()
    }

    /// What the events seen so far have said.
    private struct State {
        var role: String?
        var blocks: [Int: StreamBlock] = [:]
        var messageStop: JSONValue?
        var metadata: JSONValue?

        mutating func take(_ event: StreamEvent) throws(StreamFoldError) {
            let payload = event.payload
            switch event.type {
            case "messageStart":
                guard role == nil else { throw StreamFoldError(reason: "a second messageStart") }
                role = try payload.requiredString("role")
            case "contentBlockStart":
                let index = try payload.contentBlockIndex()
                guard blocks[index] == nil else {
                    throw StreamFoldError(reason: "block \(index) started after it already had events")
                }
                do throws(StreamFoldError) {
                    blocks[index] = try StreamBlock(start: payload.required("start"))
                } catch {
                    throw error.within("block \(index)")
                }
            case "contentBlockDelta":
                let index = try payload.contentBlockIndex()
                do throws(StreamFoldError) {
                    let delta = try StreamDelta(delta: payload.required("delta"))
                    if blocks[index] == nil {
                        blocks[index] = try StreamBlock(firstDelta: delta)
                    } else {
                        try blocks[index]?.apply(delta)
                    }
                } catch {
                    throw error.within("block \(index)")
                }
            case "contentBlockStop":
                let index = try payload.contentBlockIndex()
                guard blocks[index] != nil else {
                    throw StreamFoldError(
                        reason: "block \(index) stopped without a start or any delta, so its kind is unknown")
                }
            case "messageStop":
                guard messageStop == nil else { throw StreamFoldError(reason: "a second messageStop") }
                _ = try payload.requiredString("stopReason")
                messageStop = payload
            case "metadata":
                guard metadata == nil else { throw StreamFoldError(reason: "a second metadata") }
                metadata = payload
            default:
                throw StreamFoldError(reason: "unknown event type \"\(event.type)\"")
            }
        }

        /// The folded body; a stream without `messageStart`, `messageStop` or `metadata` is incomplete.
        func body() throws(StreamFoldError) -> JSONValue {
            guard let role else { throw StreamFoldError(reason: "the stream has no messageStart") }
            guard let messageStop else { throw StreamFoldError(reason: "the stream has no messageStop") }
            // PROTOCOL.md: a stream is complete only once `metadata` (usage, metrics) has arrived.
            guard let metadata else { throw StreamFoldError(reason: "the stream has no metadata event") }
            var content: [JSONValue] = []
            for (index, block) in blocks.sorted(by: { $0.key < $1.key }) {
                do throws(StreamFoldError) {
                    content.append(try block.content())
                } catch {
                    throw error.within("block \(index)")
                }
            }
            let message = JSONValue.object([JSONMember("role", .string(role)), JSONMember("content", .array(content))])
            var body = [
                JSONMember("output", .object([JSONMember("message", message)])),
                JSONMember("stopReason", try messageStop.required("stopReason")),
            ]
            do throws(StreamFoldError) {
                body.append(JSONMember("usage", try metadata.required("usage")))
                body.append(JSONMember("metrics", try metadata.required("metrics")))
            } catch {
                throw error.within("metadata")
            }
            if let fields = messageStop["additionalModelResponseFields"] {
                body.append(JSONMember("additionalModelResponseFields", fields))
            }
            for name in ["trace", "performanceConfig", "serviceTier"] {
                if let value = metadata[name] { body.append(JSONMember(name, value)) }
            }
            return .object(body)
        }
    }
}
