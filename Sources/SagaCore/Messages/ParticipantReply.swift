/// A participant's answer to one ``ParticipantCommand``.
public struct ParticipantReply: SagaMessage {
    public static let messageType = "saga.participant.reply"
    public static let schemaFile = "participant-reply.v1.json"

    /// Always ``messageType``.
    public var messageType: String = ParticipantReply.messageType
    /// Always ``sagaSchemaVersion``.
    public var schemaVersion: Int = sagaSchemaVersion
    /// The saga, copied from the command.
    public var sagaId: String
    /// The step, copied from the command.
    public var step: String
    /// The phase, copied from the command.
    public var phase: SagaPhase
    /// The attempt, copied from the command.
    public var attempt: Int
    /// What happened.
    public var outcome: ReplyOutcome
    /// Why, when the outcome is not `succeeded`.
    public var reason: String?
    /// The step's result; a pending reply's output is handed to the steps that depend on it.
    public var output: JSONValue?

    /// Creates a reply.
    public init(sagaId: String, step: String, phase: SagaPhase, attempt: Int, outcome: ReplyOutcome, reason: String? = nil, output: JSONValue? = nil) {
        self.sagaId = sagaId
        self.step = step
        self.phase = phase
        self.attempt = attempt
        self.outcome = outcome
        self.reason = reason
        self.output = output
    }

    /// The reply to `command` with `outcome`.
    public init(to command: ParticipantCommand, outcome: ReplyOutcome, reason: String? = nil, output: JSONValue? = nil) {
        self.init(sagaId: command.sagaId, step: command.step, phase: command.phase, attempt: command.attempt,
                  outcome: outcome, reason: reason, output: output)
    }

    public func validationProblem() -> String? {
        if let problem = checkEnvelope(messageType: messageType, expected: Self.messageType, schemaVersion: schemaVersion) { return problem }
        if sagaId.isEmpty || step.isEmpty { return "sagaId and step must not be empty" }
        if attempt < 1 { return "attempt must be 1 or more" }
        return nil
    }
}
