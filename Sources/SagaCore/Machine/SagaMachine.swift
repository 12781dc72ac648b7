/// The saga state machine: `(state, input, now) -> (new state, effects)`, pure and deterministic.
///
/// One machine serves every saga of one plan (a saga type at one version); it is two references wide,
/// so a runtime can make one per call or keep one per plan. A runtime holding many sagas in a dictionary
/// changes them in place:
///
/// ```swift
/// let effects = machine.handle(.reply(reply), state: &sagas[id]!, now: now)
/// ```
///
/// The machine never reads a clock, never draws from a global random source and does no I/O: the jitter
/// generator lives in the state, so the same inputs at the same times always give the same outputs.
public struct SagaMachine: Sendable {
    /// The plan this machine runs.
    public let plan: SagaPlan
    /// The replies topic named in every participant command.
    public let replyTopic: String
    /// Whether every participant command also emits a ``ProgressEvent/Kind/commandSent`` event.
    /// When not, the events that remain are still numbered 1, 2, 3... with no gap.
    public let commandSentEvents: Bool

    /// Creates a machine for `plan`.
    /// - Parameters:
    ///   - plan: the compiled definition (from a ``SagaRegistry``).
    ///   - replyTopic: the topic participants reply to.
    ///   - commandSentEvents: whether each command sent is also a progress event. Default: `true` for
    ///     the machine on its own; the orchestrator passes `OrchestratorConfiguration.commandSentEvents`,
    ///     whose default is `false`.
    public init(plan: SagaPlan, replyTopic: String, commandSentEvents: Bool = true) {
        self.plan = plan
        self.replyTopic = replyTopic
        self.commandSentEvents = commandSentEvents
    }

    /// Starts a new saga. Call it after ``SagaStart/resolve(_:existing:)`` said `.create`.
    ///
    /// - Parameters:
    ///   - command: the start command.
    ///   - sagaID: the saga's id (``SagaStart/sagaID(for:)``, or one the runtime made).
    ///   - replyPartition: the replies partition participants reply to (the one that owns `sagaID`).
    ///   - now: the current time.
    ///   - traceparent: the W3C trace context the start arrived with, kept for every later message.
    /// - Returns: the new saga's state and the first effects (its first pending commands).
    public func start(
        _ command: StartSagaCommand, sagaID: String, replyPartition: Int32, now: SagaTime, traceparent: String? = nil
    ) -> (state: SagaState, effects: SagaEffects) {
        var state = SagaState(sagaID: sagaID, plan: plan, start: command, replyPartition: replyPartition, now: now, traceparent: traceparent)
        var effects = SagaEffects()
        emit(.sagaStarted, &state, &effects, now, phase: .pending)
        advance(&state, &effects, now)
        effects.nextDeadline = state.nextDeadline
        return (state, effects)
    }

    /// Applies one input to a saga, changing `state` in place.
    ///
    /// A state of another saga type or version than ``plan`` is left alone (``SagaEffects/ignoredReason`` says so).
    ///
    /// - Parameters:
    ///   - input: what happened.
    ///   - state: the saga's state; on return, the snapshot to persist.
    ///   - now: the current time.
    /// - Returns: what to publish and when to fire the timer next.
    public func handle(_ input: SagaInput, state: inout SagaState, now: SagaTime) -> SagaEffects {
        var effects = SagaEffects()
        guard state.sagaVersion == plan.version, state.steps.count == plan.steps.count, state.sagaType == plan.type else {
            // The runtime picked the wrong plan: refuse rather than misread the steps.
            effects.ignoredReason = "saga '\(state.sagaID)' runs \(state.sagaType) v\(state.sagaVersion), not \(plan.type) v\(plan.version)"
            effects.nextDeadline = state.nextDeadline
            return effects
        }
        switch input {
        case .reply(let reply): handleReply(reply, &state, &effects, now)
        case .timer: handleTimer(&state, &effects, now)
        case .control(let control): handleControl(control, &state, &effects, now)
        case .start(let start): handleDuplicateStart(start, &state, &effects, now)
        case .undeliverable(let step, let phase, let reason): handleUndeliverable(step, phase, reason, &state, &effects, now)
        }
        effects.nextDeadline = state.nextDeadline
        return effects
    }

    /// The pure form of ``handle(_:state:now:)``: returns the new state instead of changing one.
    public func transition(_ state: SagaState, _ input: SagaInput, now: SagaTime) -> (state: SagaState, effects: SagaEffects) {
        var state = state
        let effects = handle(input, state: &state, now: now)
        return (state, effects)
    }
}
