import Testing

extension Tag {
    /// Takes seconds by design (slowloris drips, kill -9, a full disk, soak-like loads); its suite's name ends in
    /// `SlowTests`, so `make test-quick` (`swift test --skip SlowTests`) leaves it out and `make test` runs it.
    @Tag package static var slow: Self
}
