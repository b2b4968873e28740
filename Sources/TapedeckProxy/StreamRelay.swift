import TapedeckCodec
import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
import TapedeckUpstream
/// A live stream miss (ConverseStream, InvokeModelWithResponseStream): every upstream byte goes on to the clients as it arrives, while the frames are
/// decoded and collected; the stream is recorded only if it ended complete.
///
/// Memory stays bounded however long the stream: the events are held decoded only up to the configuration's
/// `spoolThresholdBytes` of payload; past it they go, encoded in the store's layout, to an `EventSpool` (a nameless
/// temporary file), and the store writes the cassette from there.
///
/// The clients are the flight's: the leader's and every follower's, fanned out under the flight's lock, so a
/// follower that joins mid-stream gets the same bytes in the same order. Callbacks arrive one at a time on the
/// upstream client's thread, so the relay's own state needs no lock.
final class StreamRelay: UpstreamResponseHandler, @unchecked Sendable {  // State: upstream thread only.
    private let engine: ProxyEngine
    private let flight: Flight
    /// The leader's request: its key, namespace and store are the recording's.
    private let resolved: ResolvedRequest
    private let body: KeyedRequest
    private let record: Bool
    private let outcome: Outcome
    private let startedAt = MonotonicClock.milliseconds()

    private var status = 0
    private var headers = HTTPHeaders()
    /// Pauses the upstream transfer while the leader's connection is backed up.
    private var control: UpstreamTransferControl?
    private var streaming = false
    private var buffered: [UInt8] = []
    private var decoder = EventStreamDecoder()
    /// The events so far, while they are few enough to hold (empty once spooled).
    private var events: [StreamEvent] = []
    /// The payload bytes of `events`.
    private var heldBytes = 0
    /// Where the events are once they outgrew `spoolThresholdBytes`.
    private var spool: EventSpool?
    /// The last event collected: whether the stream is whole depends on it alone.
    private var lastEvent: StreamEvent?
    /// Why this stream will not be recorded, once known.
    private var unrecordable: String?

    /// A relay answering everyone in `flight`.
    init(engine: ProxyEngine, flight: Flight, body: KeyedRequest, record: Bool, outcome: Outcome) {
        self.engine = engine
        self.flight = flight
        self.resolved = flight.resolved
        self.body = body
        self.record = record
        self.outcome = outcome
    }

    func upstreamDidStart(_ control: UpstreamTransferControl) {
        self.control = control
    }

    func upstreamDidReceiveHead(status: Int, headers: HTTPHeaders) {
        self.status = status
        self.headers = headers
        // Errors before the stream starts are small JSON documents: they pass through whole, as for converse.
        guard status == 200 else { return }
        streaming = true
        let head = HTTPResponse(status: 200, headers: engine.passThroughHeaders(headers))
        flight.startStream(head, outcome: outcome, transfer: control) { [engine, resolved] _ in
            engine.log.warn("follower cut", [
                LogField("key", resolved.key.prefix), LogField("reason", "its reader fell behind the live stream"),
            ])
        }
    }

    func upstreamDidReceive(_ bytes: [UInt8]) {
        guard streaming else {
            buffered.append(contentsOf: bytes)
            return
        }
        flight.sendChunk(bytes)
        guard record, unrecordable == nil else { return }
        do {
            for message in try decoder.feed(bytes) { collect(message) }
        } catch {
            unrecordable = "upstream's event stream is malformed: \(error)"
        }
    }

    func upstreamDidFinish(_ result: Result<Int, CurlError>) {
        switch result {
        case .failure(let error):
            // Nothing is recorded: the spool's file goes with it.
            spool = nil
            events = []
            if streaming {
                engine.log.warn("not recorded", [
                    LogField("key", resolved.key.prefix), LogField("reason", "the stream broke: \(error.message)"),
                ])
                flight.endStream(status: status, outcome: outcome, cut: true, upstreamFailed: true)
            } else {
                engine.logUpstreamFailure(error, key: resolved.key, record: record)
                flight.fail(
                    .badGateway("upstream \(CurlError.redact(error.url)) failed: \(error.message)"), outcome: outcome, upstreamFailed: true)
            }
        case .success(let latencyMs):
            guard streaming else {
                let response = HTTPResponse(status: status, headers: engine.passThroughHeaders(headers), body: buffered)
                if record {
                    engine.log.warn("not recorded", [LogField("key", resolved.key.prefix), LogField("reason", "upstream answered \(status)")])
                }
                return flight.send(response, outcome: outcome, upstreamFailed: true)
            }
            finishStream(latencyMs: latencyMs)
        }
    }

    private func collect(_ message: EventStreamMessage) {
        let offset = Int(MonotonicClock.milliseconds() - startedAt)
        if message.stringHeader(":message-type") != "event" {
            let type = message.stringHeader(":exception-type") ?? message.stringHeader(":message-type") ?? "unknown"
            unrecordable = "upstream sent an in-stream \(type)"
            return
        }
        guard let type = message.stringHeader(":event-type") else {
            unrecordable = "an event has no :event-type header"
            return
        }
        let payload: JSONValue
        do {
            payload = try JSONParser.parse(message.payload)
        } catch {
            unrecordable = "the payload of a \(type) event is not JSON: \(error)"
            return
        }
        guard body.operation.family == .invoke else {
            return keep(StreamEvent(type: type, payload: payload, offsetMs: offset), payloadBytes: message.payload.count)
        }
        guard type == InvokeChunk.eventType, let chunk = InvokeChunk.recorded(payload: payload, offsetMs: offset) else {
            unrecordable = "a \(type) event is not a chunk of base64 bytes"
            return
        }
        keep(chunk, payloadBytes: message.payload.count)
    }

    /// Adds `event` to the recording: held, or spooled once the held ones pass the threshold.
    private func keep(_ event: StreamEvent, payloadBytes: Int) {
        lastEvent = event
        do throws(CassetteError) {
            if let spool { return try spool.append(event) }
            events.append(event)
            heldBytes += payloadBytes
            guard heldBytes > engine.configuration.spoolThresholdBytes else { return }
            let spool = try engine.makeSpool(for: resolved.store)
            for held in events { try spool.append(held) }
            events = []
            self.spool = spool
        } catch {
            unrecordable = "its events could not be spooled: \(error)"
            events = []
            spool = nil
        }
    }

    private func finishStream(latencyMs: Int) {
        guard record else { return flight.endStream(status: status, outcome: outcome) }
        // A stream is complete only when it ended on a message boundary and its events make a whole answer.
        if unrecordable == nil && decoder.bufferedByteCount > 0 { unrecordable = "the stream ended inside a message" }
        if unrecordable == nil { unrecordable = StreamCompleteness.reason(last: lastEvent, for: body) }
        if unrecordable == nil, let spool {
            do throws(CassetteError) {
                try spool.flush()
            } catch {
                unrecordable = "its events could not be spooled: \(error)"
            }
        }
        if let unrecordable {
            spool = nil
            engine.log.warn("not recorded", [LogField("key", resolved.key.prefix), LogField("reason", unrecordable)])
            return flight.endStream(status: status, outcome: outcome)
        }
        let contentType = headers["Content-Type"] ?? "application/vnd.amazon.eventstream"
        let cassette = engine.cassette(
            resolved, body: body, latencyMs: latencyMs,
            response: RecordedResponse(
                status: 200, contentType: contentType, content: .events(events), headers: ProxyEngine.recordedHeaders(headers)))
        events = []
        let land: @Sendable () -> Void = { [flight, status, outcome] in flight.endStream(status: status, outcome: outcome) }
        if let spool {
            // The cassette's events are the spool's: it is written from there, then the last chunk leaves.
            self.spool = nil
            return engine.save(cassette, spooled: spool, for: resolved, then: land)
        }
        // The stream's last chunk leaves (and the flight lands) once the cassette is held for lookups, so a client
        // that repeats at once gets a hit.
        engine.save(cassette, for: resolved, then: land)
    }
}
