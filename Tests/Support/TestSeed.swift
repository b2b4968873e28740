import Glibc

/// The seed of a test run's random inputs: `TAPEDECK_TEST_SEED=<decimal>` replays a failure; unset, each run draws a
/// fresh one. Tests name it in every failure message, so any failure can be replayed.
package enum TestSeed {
    /// The environment variable that fixes the seed.
    package static let variable = "TAPEDECK_TEST_SEED"

    /// This run's seed: the environment's when set, otherwise drawn once per process.
    package static let value: UInt64 = {
        guard let raw = getenv(variable) else { return UInt64.random(in: 0...UInt64.max) }
        let text = String(cString: raw)
        guard let seed = UInt64(text) else { preconditionFailure("\(variable) must be a decimal UInt64, not \(text)") }
        return seed
    }()

    /// A generator started from this run's seed.
    package static func generator() -> ConverseFixtures.SeededGenerator {
        ConverseFixtures.SeededGenerator(state: value)
    }

    /// The words a failure message carries so the run can be replayed.
    package static var replay: String { "\(variable)=\(value)" }
}
