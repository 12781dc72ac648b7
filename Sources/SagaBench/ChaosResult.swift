/// The figures and broken invariants of one scenario of a chaos run.
struct ChaosResult: Sendable {
    var scenario: ChaosScenario
    var started = 0
    var completed = 0
    var compensated = 0
    var failed = 0
    /// Sagas with no final state within the bound after the faults stopped.
    var lost = 0
    /// Idempotency keys whose effect was applied more than once.
    var duplicateEffects = 0
    /// Sagas whose progress events are not numbered 1...n, or have two different events under a number.
    var eventGaps = 0
    /// Dead letters read (each original once).
    var deadLetters = 0
    /// Dead letters the run's malformed and oversize inputs should have made.
    var expectedDeadLetters = 0
    /// Orchestrator restarts and injected faults.
    var faults = 0
    var wallSeconds = 0.0
    /// Every broken invariant, in words.
    var problems: [String] = []
    /// What the run saw that broke no invariant but is worth reading (a reader that missed events
    /// the topic holds).
    var notes: [String] = []

    var passed: Bool { problems.isEmpty }
}
