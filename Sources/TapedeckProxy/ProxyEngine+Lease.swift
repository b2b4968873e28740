import TapedeckSystem
import TapedeckBedrock
import TapedeckStore

/// Coalescing across processes: the leader of a recording flight takes the store's lease on its key before it
/// calls upstream, so two `tapedeck serve` processes sharing one store make one call per distinct miss.
///
/// The rules:
/// - Only a flight that records takes a lease; passthrough never waits.
/// - A lease held by another process makes the flight wait, without holding a thread: it looks again after 5, 10,
///   then every 20 ms (`DelayLine.shared` hands each look to the `leases` pool). When the lease is gone (released,
///   or stale: its owner died or it is older than `leaseStaleAfterMs`) this process takes it, and if the store now
///   holds the recording the whole flight is answered from it as a hit, like `serveLanded`; otherwise this process
///   calls upstream itself.
/// - The lease is released once the flight has landed, which is after its recording is written (`save` answers
///   only then) or its call failed, so a process that takes it next finds the cassette.
/// - A store that cannot keep leases, or fails to, never stops a call: the flight goes upstream as before.
extension ProxyEngine {
    /// How old a live owner's lease may get before another process takes it over: the upstream timeout, plus a
    /// minute to write the recording.
    var leaseStaleAfterMs: Int64 { Int64(configuration.upstreamTimeoutSeconds + 60) * 1000 }

    /// Makes `flight`'s recording call once it holds the store's lease on its key, or answers it from the recording
    /// another process made meanwhile. `afterMiss`: the lookup found nothing, so any cassette that appears is new.
    func callHoldingLease(_ flight: Flight, body: KeyedRequest, outcome: Outcome, afterMiss: Bool) {
        leases.submit { [self] in
            claim(flight, body: body, outcome: outcome, wait: LeaseWait(afterMiss: afterMiss), attempt: 0)
        }
    }

    /// What a flight knows while it waits: which cassette in the store would be new to it.
    struct LeaseWait: Sendable {
        /// The lookup found nothing: any cassette that appears was recorded by another process.
        var afterMiss: Bool
        /// The first lease of another process this flight waited for: a cassette recorded since it was taken (to
        /// the second) is that recording, an older one is what the flight was sent to record again.
        var waitedFor: MissLease?

        /// Whether a cassette recorded at `recordedAt` answers the flight.
        func answers(recordedAt: String) -> Bool {
            if afterMiss { return true }
            guard let waitedFor, let recorded = Timestamp.parse(recordedAt) else { return false }
            return Int64(recorded) >= waitedFor.acquiredAtMs / 1000
        }
    }

    /// One try at the lease: call upstream holding it, answer from the store, or look again shortly.
    private func claim(_ flight: Flight, body: KeyedRequest, outcome: Outcome, wait: LeaseWait, attempt: Int) {
        let resolved = flight.resolved
        let result: LeaseResult
        do {
            result = try resolved.store.acquireLease(resolved.key, staleAfterMs: leaseStaleAfterMs)
        } catch {
            log.warn("lease not taken", [
                LogField("key", resolved.key.prefix), LogField("store", resolved.store.description), LogField("error", "\(error)"),
                LogField("action", "call upstream"),
            ])
            return call(flight, body: body, record: true, outcome: outcome)
        }
        switch result {
        case .acquired(let lease):
            // The last holder may have recorded it and let go since this process looked.
            if lease.isShared, let rendered = recordedElsewhere(flight, wait) {
                // Let go first: the cassette is in the store, so whoever takes the lease next finds it.
                release(lease, of: resolved)
                return serve(flight, rendered)
            }
            guard lease.isShared else { return call(flight, body: body, record: true, outcome: outcome) }
            coalescer.whenLanded(flight) { [self] in
                // Entered before anyone in the flight is answered, so `finishRecordings` after an answer waits for it.
                leaseReleases.enter()
                leases.submit { [self] in
                    release(lease, of: resolved)
                    leaseReleases.leave()
                }
            }
            call(flight, body: body, record: true, outcome: outcome)
        case .heldByAnother(let holder):
            var wait = wait
            if wait.waitedFor == nil {
                wait.waitedFor = holder
                log.info("waiting for another process's recording", [
                    LogField("key", resolved.key.prefix), LogField("holder", holder.owner.description),
                ])
            }
            let delayMs = min(20, 5 << min(attempt, 2))
            DelayLine.shared.after(milliseconds: delayMs) { [self, wait] in
                leases.submit { [self] in claim(flight, body: body, outcome: outcome, wait: wait, attempt: attempt + 1) }
            }
        }
    }

    /// The answer the store now holds for `flight` if another process recorded it (`LeaseWait.answers`); nil when
    /// there is none.
    private func recordedElsewhere(_ flight: Flight, _ wait: LeaseWait) -> RenderedAnswer? {
        // Nothing new can be there: the flight saw no cassette and no other holder.
        guard wait.afterMiss || wait.waitedFor != nil else { return nil }
        let resolved = flight.resolved
        let rendered: RenderedAnswer?
        do {
            rendered = try hitAnswer(resolved.key, operation: resolved.route.operation, in: resolved.store, namespace: resolved.namespace)
        } catch {
            // What cannot be read is recorded again.
            return nil
        }
        guard let rendered, !isExpired(rendered.recordedAt), wait.answers(recordedAt: rendered.recordedAt) else { return nil }
        return rendered
    }

    /// Lands `flight` and answers everyone in it with `rendered`, as hits.
    private func serve(_ flight: Flight, _ rendered: RenderedAnswer) {
        for exchange in flight.land() { serve(rendered, to: exchange) }
    }

    /// Gives `lease` up; a failure is logged (the lease goes stale in time, or with this process).
    private func release(_ lease: MissLease, of resolved: ResolvedRequest) {
        do {
            try resolved.store.releaseLease(lease)
        } catch {
            log.warn("lease not released", [
                LogField("key", resolved.key.prefix), LogField("store", resolved.store.description), LogField("error", "\(error)"),
            ])
        }
    }
}
