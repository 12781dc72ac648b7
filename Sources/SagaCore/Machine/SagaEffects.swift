/// What the runtime must do after a transition. The new state (the snapshot to persist) is the
/// `inout` state the machine changed.
public struct SagaEffects: Hashable, Sendable {
    /// Commands to publish, in order.
    public var commands: [OutgoingCommand] = []
    /// Progress events to publish, in sequence order.
    public var events: [ProgressEvent] = []
    /// When to fire the saga's one timer; nil when nothing is due (the saga is settled, or all waits are on replies with no timeout).
    public var nextDeadline: SagaTime?
    /// Why the input changed nothing (a duplicate or stale reply, an early timer), or nil when it was applied.
    public var ignoredReason: String?

    /// Creates empty effects.
    public init() {}

    /// Whether the input was applied.
    public var applied: Bool { ignoredReason == nil }
}
