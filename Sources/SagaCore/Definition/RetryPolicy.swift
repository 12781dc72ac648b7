/// How a (step, phase) is retried: exponential backoff with jitter, bounded by a number of attempts.
///
/// The delay before attempt `n + 1` is `min(initialBackoff * multiplier^(n-1), maxBackoff)`,
/// then moved by up to `± jitter` of itself (a fraction in `0...1`) with a random draw from the
/// saga's seeded generator, and clamped to `0...maxBackoff`.
public struct RetryPolicy: Hashable, Sendable, Codable {
    /// The most attempts, the first included. Default for a step: 3; for compensation: 10.
    public var maxAttempts: Int
    /// The delay before the second attempt. Default: `200ms` (compensation: `500ms`).
    public var initialBackoff: SagaDuration
    /// The growth of the delay from one attempt to the next. Default: `2.0`.
    public var multiplier: Double
    /// The largest delay. Default: `10s` (compensation: `30s`).
    public var maxBackoff: SagaDuration
    /// The fraction of the delay drawn at random, in `0...1`. Default: `0.2`.
    public var jitter: Double

    /// Creates a policy; every parameter has the documented step default.
    public init(
        maxAttempts: Int = 3,
        initialBackoff: SagaDuration = .milliseconds(200),
        multiplier: Double = 2.0,
        maxBackoff: SagaDuration = .seconds(10),
        jitter: Double = 0.2
    ) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.multiplier = multiplier
        self.maxBackoff = maxBackoff
        self.jitter = jitter
    }

    /// The default policy of a step's pending, verify and approve commands.
    public static let stepDefault = RetryPolicy()

    /// The default policy of a step's compensate commands: more patient, since compensation must finish.
    public static let compensationDefault = RetryPolicy(
        maxAttempts: 10, initialBackoff: .milliseconds(500), multiplier: 2.0, maxBackoff: .seconds(30), jitter: 0.2
    )

    /// The delay after the failed attempt `attempt` (1-based), with `random` in `0..<1`.
    @inlinable
    public func backoff(afterAttempt attempt: Int, random: Double) -> SagaDuration {
        var base = Double(initialBackoff.milliseconds)
        let cap = Double(maxBackoff.milliseconds)
        var step = 1
        while step < attempt && base < cap {
            base *= multiplier
            step += 1
        }
        base = min(base, cap)
        let jittered = base + base * jitter * (2 * random - 1)
        return SagaDuration(milliseconds: Int64(max(0, min(jittered, cap)).rounded()))
    }
}
