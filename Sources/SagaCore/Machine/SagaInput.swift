/// Something that happened to a saga: what the runtime feeds the machine.
public enum SagaInput: Hashable, Sendable {
    /// A start command for a saga that already exists (a duplicate); new sagas go through ``SagaMachine/start(_:sagaID:replyPartition:now:)``.
    case start(StartSagaCommand)
    /// A participant's reply.
    case reply(ParticipantReply)
    /// The saga's timer fired (the runtime armed it at ``SagaEffects/nextDeadline``).
    case timer
    /// An operator's control.
    case control(ControlCommand)
    /// The command the saga sent for (`step`, `phase`) can never be published (larger than the
    /// topic accepts, or refused by the broker for good): the step is treated as refused.
    case undeliverable(step: String, phase: SagaPhase, reason: String)
}
