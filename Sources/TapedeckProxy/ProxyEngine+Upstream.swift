import TapedeckCodec
import TapedeckSystem
import TapedeckHTTP
import TapedeckBedrock
import TapedeckStore
import TapedeckUpstream
/// The miss path: forward to upstream, record a good answer, pass everything else through unchanged.
extension ProxyEngine {
    /// Request headers that describe this hop, not the request, and so are not forwarded (RFC 9110 §7.6.1):
    /// those the upstream client never sends, plus the ones only a proxy has reason to drop.
    static let hopByHopRequestHeaders: Set<String> = UpstreamRequest.droppedHeaders.union([
        "proxy-authorization", "trailer",
        // Upstream must answer in identity encoding so that what is recorded is readable JSON.
        "accept-encoding",
    ])

    /// Response headers Tapedeck sets itself or that describe the upstream hop.
    static let hopByHopResponseHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "trailer", "content-length",
    ]

    /// The lower-cased field names listed in Connection header values.
    ///
    /// RFC 9110 §7.6.1: a proxy removes every field named as a connection option, in both directions, besides
    /// the hop-by-hop fields it always drops.
    static func connectionOptions(_ values: [String]) -> Set<String> {
        var names: Set<String> = []
        for value in values {
            for option in value.split(separator: ",") { names.insert(String(option).trimmingSpaces.lowercased()) }
        }
        return names
    }

    /// `headers` without the fields that describe one hop: those in `hopByHop`, those its Connection header names,
    /// and those whose lower-cased name starts with `prefix`. Order and duplicates are kept.
    static func endToEnd(_ headers: HTTPHeaders, hopByHop: Set<String>, droppingPrefix prefix: String? = nil) -> HTTPHeaders {
        let options = connectionOptions(headers.values("Connection"))
        var kept = HTTPHeaders()
        for field in headers {
            let name = field.name.lowercased()
            if hopByHop.contains(name) || options.contains(name) { continue }
            if let prefix, name.hasPrefix(prefix) { continue }
            kept.add(field.name, field.value)
        }
        return kept
    }

    /// Forwards a request the store does not answer (or is not to answer): passthrough makes its own call; any
    /// other mode joins the flight of identical misses, whose leader makes the one call and records its answer.
    /// `afterMiss` says the lookup found nothing, so a flight that landed since is looked at once more.
    func forward(_ resolved: ResolvedRequest, _ exchange: Exchange, afterMiss: Bool) {
        let body: KeyedRequest
        do throws(BedrockError) {
            body = try resolved.keyedRequest()
        } catch {
            return exchange.fail(error)
        }
        let outcome = Outcome(forwarding: resolved.mode)
        // Passthrough neither reads nor writes cassettes, so each request makes its own call.
        guard resolved.mode != .passthrough else {
            return call(Flight(leader: exchange, resolved: resolved), body: body, record: false, outcome: outcome)
        }
        let flightKey = MissCoalescer.FlightKey(namespace: resolved.namespace, key: resolved.key, operation: resolved.route.operation)
        switch coalescer.join(flightKey, exchange: exchange, resolved: resolved) {
        case .follower:
            // The leader's flight answers this request when it lands.
            return
        case .leader(let flight):
            if afterMiss && serveLanded(flight) { return }
            // Another process sharing the store may be recording the same key: `ProxyEngine+Lease`.
            callHoldingLease(flight, body: body, outcome: outcome, afterMiss: afterMiss)
        }
    }

    /// Makes the flight's one upstream call and answers everyone in the flight with its result.
    func call(_ flight: Flight, body: KeyedRequest, record: Bool, outcome: Outcome) {
        let leader = flight.resolved.request
        let route = flight.resolved.route
        guard let upstream, let base = configuration.upstream else {
            return flight.fail(.badGateway("no upstream is configured"), outcome: outcome, upstreamFailed: true)
        }
        let url = base + route.upstreamPath
        var headers = Self.endToEnd(leader.headers, hopByHop: Self.hopByHopRequestHeaders, droppingPrefix: "x-tapedeck-")
        if let auth = configuration.upstreamAuth {
            // Signed at send time, so X-Amz-Date stays within AWS's clock skew allowance.
            do {
                headers = try auth.apply(url: url, headers: headers, body: leader.body)
            } catch {
                log.warn("upstream failed", [LogField("key", flight.resolved.key.prefix), LogField("reason", error.message)])
                return flight.fail(.badGateway("cannot sign for upstream: \(error.message)"), outcome: outcome, upstreamFailed: true)
            }
        }
        let request = UpstreamRequest(
            url: url, headers: headers, body: leader.body, timeoutSeconds: configuration.upstreamTimeoutSeconds)
        if route.operation.streams {
            return upstream.send(request, handler: StreamRelay(engine: self, flight: flight, body: body, record: record, outcome: outcome))
        }
        upstream.send(request) { [self] result in
            switch result {
            case .failure(let error):
                logUpstreamFailure(error, key: flight.resolved.key, record: record)
                flight.fail(
                    .badGateway("upstream \(CurlError.redact(url)) failed: \(error.message)"), outcome: outcome, upstreamFailed: true)
            case .success(let response):
                answer(response, body: body, flight: flight, record: record, outcome: outcome)
            }
        }
    }

    /// Logs why an upstream call failed, so the log (not only the client's 502) says what happened to the key.
    func logUpstreamFailure(_ error: CurlError, key: CacheKey, record: Bool) {
        log.warn(record ? "not recorded" : "upstream failed", [LogField("key", key.prefix), LogField("reason", "upstream failed: \(error)")])
    }

    /// Upstream's response headers without the hop-by-hop ones (RFC 9110 §7.6.1).
    func passThroughHeaders(_ upstreamHeaders: HTTPHeaders) -> HTTPHeaders {
        Self.endToEnd(upstreamHeaders, hopByHop: Self.hopByHopResponseHeaders)
    }

    /// The cassette recording `response` for `resolved`, whose request is `body`.
    func cassette(_ resolved: ResolvedRequest, body: KeyedRequest, latencyMs: Int, response: RecordedResponse) -> Cassette {
        var request: JSONValue = .object([])
        var requestBytes: [UInt8]?
        switch body.body {
        // Converse's requestMetadata is never part of a key (`CacheKey.alwaysIgnored`), so it is not kept either.
        case .json(let json): request = body.operation.family == .converse ? json.removing(path: "requestMetadata") : json
        case .bytes(let bytes): requestBytes = bytes
        }
        var cassette = Cassette(
            key: resolved.key, operation: resolved.route.operation, modelId: resolved.route.modelId,
            request: request, response: response, upstreamLatencyMs: latencyMs, recordedAt: Timestamp.now())
        cassette.requestHeaders = body.headers
        cassette.requestBytes = requestBytes
        cassette.repeatIndex = resolved.repeatIndex
        return cassette
    }

    /// Upstream's `x-amzn-bedrock-*` response headers, as a cassette keeps them (lower-case names, in order).
    static func recordedHeaders(_ headers: HTTPHeaders) -> [HeaderPair] {
        headers.compactMap { field in
            let name = field.name.lowercased()
            return name.hasPrefix("x-amzn-bedrock-") ? HeaderPair(name, field.value) : nil
        }
    }

    /// Writes `cassette` on a writer, then calls `then` (which sends the answer's last bytes): whoever has an answer
    /// to a recorded miss can find its cassette in the store, in this process and in others, and it survives a
    /// kill -9. The fsyncs that make it survive a power loss follow on the syncer, off the answer's path. Until the
    /// write is done the cassette is held in `pending`, where lookups find it, so a repeat is already a hit. A write
    /// that fails is logged and counted, and the answer is sent all the same: the client's call succeeded.
    func save(_ cassette: Cassette, for resolved: ResolvedRequest, then: @escaping @Sendable () -> Void) {
        let scoped = resolved.store
        let namespace = resolved.namespace
        let slot = NamespacedKey(namespace: namespace, key: cassette.key)
        // Encoded once, in the store's own format, and held as it will read back from the store, so a hit on it is
        // byte-identical to every later hit.
        let encoded = scoped.encode(cassette)
        let asStored: Cassette
        do {
            asStored = try Cassette(json: try JSONParser.parse(encoded))
        } catch {
            asStored = cassette
        }
        let ticket = pending.withLock { pending -> UInt64 in
            pending.next &+= 1
            pending.cassettes[slot] = (pending.next, asStored)
            return pending.next
        }
        let keyed = cassette.keyedRequest
        nearest.insert(key: cassette.key.hex, model: keyed.nearestGroup, namespace: namespace, request: keyed.comparable)
        used.withLock { _ = $0.insert(slot) }  // recorded is used: `/_tapedeck/unused` lists what no request asked for
        writers.submit { [self] in
            let written: Result<DeferredSync, CassetteError>
            do throws(CassetteError) {
                written = .success(try scoped.saveVisible(cassette, encoded: encoded))
            } catch {
                written = .failure(error)
            }
            // In the store now (or never): lookups read it from there.
            pending.withLock { pending in
                if pending.cassettes[slot]?.ticket == ticket { pending.cassettes[slot] = nil }
            }
            finishWrite(written, of: cassette, to: scoped, then: then)
            // A large recording (a 10 MB image) leaves tens of MiB of freed temporaries (parse, canonical form,
            // encoding) that glibc keeps in its heaps for good; hand them back once, in a task of its own, so that
            // this one's cassette and encoding are freed first.
            if encoded.count >= Self.trimAfterRecordingBytes { writers.submit { Heap.returnFreeMemory(above: 0) } }
        }
    }

    /// A recording at least this large hands the heap's free memory back to the system once it is written.
    static let trimAfterRecordingBytes = 1 << 20

    /// After a recording's write on a writer: a failure is counted and logged, `then` sends the answer's last bytes,
    /// and the write's fsyncs go to the syncer.
    func finishWrite(
        _ written: Result<DeferredSync, CassetteError>, of cassette: Cassette, to scoped: CassetteStore,
        then: @Sendable () -> Void
    ) {
        if case .failure(let failure) = written {
            // Every failed write is counted and logged on its own: the client gets its answer all the same,
            // so the log and the stats are where a full disk or a read-only store shows.
            stats.recordFailed()
            log.error("not stored", [
                LogField("key", cassette.key.prefix), LogField("store", scoped.description), LogField("error", "\(failure)"),
            ])
        }
        then()
        if case .success(let sync) = written, sync.isNeeded { syncer.submit { sync.run() } }
    }

    /// Store writes handed over and not yet done (queued or under way, fsyncs included).
    public var unfinishedWrites: Int { writers.unfinishedCount + syncer.unfinishedCount }

    /// Waits until every recording handed to `save` is written and synced, and the store leases of landed flights
    /// are let go.
    public func finishRecordings() {
        writers.waitUntilIdle()
        syncer.waitUntilIdle()
        leaseReleases.wait()
    }

    private func answer(_ upstreamResponse: UpstreamResponse, body: KeyedRequest, flight: Flight, record: Bool, outcome: Outcome) {
        let resolved = flight.resolved
        let key = resolved.key
        let response = HTTPResponse(
            status: upstreamResponse.status, headers: passThroughHeaders(upstreamResponse.headers), body: upstreamResponse.body)
        guard upstreamResponse.status == 200 else {
            if record {
                log.warn("not recorded", [LogField("key", key.prefix), LogField("reason", "upstream answered \(upstreamResponse.status)")])
            }
            return flight.send(response, outcome: outcome, upstreamFailed: true)
        }
        guard record else { return flight.send(response, outcome: outcome) }
        let content: RecordedContent
        if resolved.route.operation.family == .converse {
            let recorded: JSONValue
            do {
                recorded = try JSONParser.parse(upstreamResponse.body)
            } catch {
                log.warn("not recorded", [LogField("key", key.prefix), LogField("reason", "upstream's 200 answer is not JSON: \(error)")])
                return flight.send(response, outcome: outcome)
            }
            // PROTOCOL.md: a Converse answer is an object; anything else would replay as a different document.
            guard recorded.objectValue != nil else {
                log.warn("not recorded", [LogField("key", key.prefix), LogField("reason", "upstream's 200 answer is JSON but not an object")])
                return flight.send(response, outcome: outcome)
            }
            content = .body(recorded)
        } else {
            // The model's own format: kept as JSON when that gives back upstream's exact bytes, else as the bytes.
            content = .document(upstreamResponse.body)
        }
        let contentType = upstreamResponse.headers["Content-Type"] ?? "application/json"
        let cassette = cassette(
            resolved, body: body, latencyMs: upstreamResponse.latencyMs,
            response: RecordedResponse(
                status: 200, contentType: contentType, content: content, headers: Self.recordedHeaders(upstreamResponse.headers)))
        // The flight lands once the cassette is held for lookups, so a request that comes later is a hit.
        save(cassette, for: resolved) { flight.send(response, outcome: outcome) }
    }
}
