import TapedeckUpstream

extension UpstreamClient {
    /// Sends `request` and suspends until the whole response or the failure arrives.
    package func response(to request: UpstreamRequest) async -> Result<UpstreamResponse, CurlError> {
        await withCheckedContinuation { continuation in
            send(request) { continuation.resume(returning: $0) }
        }
    }
}

/// Polls `condition` every 10 ms for up to 10 s without blocking a thread; answers its last value.
package func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<1000 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Deterministic pseudo-random bytes (a 64-bit LCG), so a failing body comparison is reproducible.
package func patternBytes(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}
