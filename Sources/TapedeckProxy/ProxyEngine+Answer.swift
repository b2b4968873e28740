import TapedeckCodec
import TapedeckBedrock
import TapedeckStore

/// The answer hop for what the store holds: a hit's rendered answer, and replay's 404 when there is none.
extension ProxyEngine {
    /// Sends a hit's answer, `expired` when the cassette is older than `--max-age`.
    func serve(_ rendered: RenderedAnswer, expired: Bool = false, to exchange: Exchange) {
        used.withLock { _ = $0.insert(NamespacedKey(namespace: rendered.namespace, key: rendered.cassetteKey)) }
        var disposition = Exchange.Disposition(.hit)
        disposition.servedKey = rendered.cassetteKey
        disposition.servedNamespace = rendered.namespace
        disposition.saved = rendered.saved
        disposition.expired = expired
        switch rendered.shape {
        case .converse(let response, let servedAs):
            disposition.servedAs = response.status == 200 ? servedAs : nil
            if !expired, let prepared = rendered.hitResponse {
                // The same headers `send` would add for this disposition, already in place and serialized.
                exchange.send(prepared, disposition, delayMs: configuration.hitDelayMs, decorated: true)
            } else {
                exchange.send(response, disposition, delayMs: configuration.hitDelayMs)
            }
        case .stream(let stream):
            disposition.servedAs = stream.servedAs
            exchange.send(stream, disposition, delayMs: configuration.hitDelayMs)
        }
    }

    /// Answers a miss in replay mode: 404 CassetteNotFoundException saying what is nearest and how to record it.
    func refuseMiss(_ resolved: ResolvedRequest, _ exchange: Exchange) {
        indexing.wait()  // on a reader: only a miss right after start-up waits, for the index to name its nearest
        do throws(BedrockError) {
            exchange.fail(.cassetteNotFound(missMessage(resolved, asked: try resolved.keyedRequest())), outcome: .miss)
        } catch {
            exchange.fail(error)
        }
    }

    /// The answer `cassette` gives in the shape `operation` expects, or a 500 saying why it cannot.
    func render(_ cassette: Cassette, operation: BedrockOperation) -> RenderedAnswer {
        let answer: RenderedAnswer.Shape
        do {
            if operation.streams {
                answer = .stream(try replay.stream(for: cassette))
            } else {
                let (response, servedAs) = try replay.response(for: cassette)
                answer = .converse(response, servedAs)
            }
        } catch {
            let message = clientPaths.scrub("cassette for key \(cassette.key.hex) cannot be served as \(operation.rawValue): \(error)")
            answer = .converse(BedrockError.internalServer(message).response(), .recorded)
        }
        return RenderedAnswer(shape: answer, cassetteKey: cassette.key, recordedAt: cassette.recordedAt, saved: TokenUsage(of: cassette))
    }

    /// Why replay found no cassette for `resolved`, the nearest recorded request and how it differs, and how to
    /// record it.
    func missMessage(_ resolved: ResolvedRequest, asked: KeyedRequest) -> String {
        let route = resolved.route, key = resolved.key
        let place = resolved.store.description
        var text = "no cassette for key \(key.hex) (\(route.operation.awsName), model \(route.modelId)) in \(place), and replay mode never calls upstream."
        let group = asked.nearestGroup, comparable = asked.comparable
        var found = nearest.nearest(model: group, namespace: resolved.namespace, request: comparable)
            .map { (match: $0, namespace: resolved.namespace, store: resolved.store) }
        if found == nil, configuration.namespaceFallback, !resolved.namespace.isEmpty {
            found = nearest.nearest(model: group, namespace: "", request: comparable).map { (match: $0, namespace: "", store: store) }
        }
        if let (nearest, namespace, source) = found {
            let differences: [String]
            if let recorded = recordedRequest(nearest.key, namespace: namespace, in: source) {
                differences = RequestDiff.differences(from: recorded, to: asked)
            } else {
                differences = RequestDiff.comparableDifferences(
                    from: nearest.request, to: NearestIndex.condensed(comparable), asConversation: asked.comparesAsConversation)
            }
            // The same key may be recorded in other namespaces too (two tests that ask one question): name this one.
            let scoped = namespace.isEmpty ? "" : " --namespace \(namespace)"
            text += " Nearest recorded request: \(nearest.key.prefix(12)) (tapedeck show \(nearest.key.prefix(12))\(scoped))"
            text += differences.isEmpty ? "." : "; it differs: " + differences.joined(separator: "; ") + "."
        }
        if let hint = scope.value.recordHint {
            text += " To record it: \(hint)"
        } else {
            text += " To record it, run: tapedeck serve --store \(store.description) --upstream <URL> --mode auto"
            if configuration.upstream == nil { text += " (this server was started without --upstream)" }
        }
        return clientPaths.scrub(text)
    }

    /// The whole request recorded under `hex` (the index keeps long strings condensed), or nil if it cannot be read.
    private func recordedRequest(_ hex: String, namespace: String, in source: CassetteStore) -> KeyedRequest? {
        guard let key = CacheKey(hex: hex) else { return nil }
        if let recording = pending.cassette(namespace: namespace, key: key) {
            return recording.keyedRequest
        }
        do {
            return try source.load(key)?.keyedRequest
        } catch {
            // Unreadable now (removed or corrupt since it was indexed): the condensed request still tells the story.
            return nil
        }
    }
}
