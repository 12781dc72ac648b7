/// A command the orchestrator sends to a participant's topic.
public struct ParticipantCommand: SagaMessage {
    /// Where the participant publishes its reply.
    public struct ReplyTo: Hashable, Sendable, Codable {
        /// The replies topic.
        public var topic: String
        /// The partition to publish the reply to (the one that owns the saga).
        public var partition: Int32

        /// Creates a reply address.
        public init(topic: String, partition: Int32) {
            self.topic = topic
            self.partition = partition
        }
    }

    public static let messageType = "saga.participant.command"
    public static let schemaFile = "participant-command.v1.json"

    /// Always ``messageType``.
    public var messageType: String = ParticipantCommand.messageType
    /// Always ``sagaSchemaVersion``.
    public var schemaVersion: Int = sagaSchemaVersion
    /// The saga.
    public var sagaId: String
    /// The saga's type.
    public var sagaType: String
    /// The saga's definition version.
    public var sagaVersion: Int
    /// The step this command is for.
    public var step: String
    /// The phase: pending, verify, approve or compensate.
    public var phase: SagaPhase
    /// The attempt of this (step, phase), from 1.
    public var attempt: Int
    /// `<sagaId>/<step>/<phase>`: the same for every attempt of this (step, phase), so a participant applies it once.
    ///
    /// Computed on demand (the machine's hot path does not build the string); set only to carry a key
    /// read from the wire that differs from the derived one.
    public var idempotencyKey: String {
        get { customIdempotencyKey ?? Self.idempotencyKey(sagaID: sagaId, step: step, phase: phase) }
        set { customIdempotencyKey = newValue == Self.idempotencyKey(sagaID: sagaId, step: step, phase: phase) ? nil : newValue }
    }
    private var customIdempotencyKey: String?
    /// Where to reply.
    public var replyTo: ReplyTo
    /// The saga's input, as given in its start command.
    public var payload: JSONValue
    /// The outputs of the steps this one depends on, by step name (only those that returned an output).
    public var dependencyOutputs: [String: JSONValue]
    /// The time, in milliseconds since the epoch, after which the orchestrator counts this attempt as failed.
    public var deadline: SagaTime

    /// Creates a participant command.
    public init(
        sagaId: String, sagaType: String, sagaVersion: Int, step: String, phase: SagaPhase, attempt: Int,
        idempotencyKey: String? = nil, replyTo: ReplyTo, payload: JSONValue, dependencyOutputs: [String: JSONValue] = [:],
        deadline: SagaTime
    ) {
        self.sagaId = sagaId
        self.sagaType = sagaType
        self.sagaVersion = sagaVersion
        self.step = step
        self.phase = phase
        self.attempt = attempt
        self.customIdempotencyKey = nil
        self.replyTo = replyTo
        self.payload = payload
        self.dependencyOutputs = dependencyOutputs
        self.deadline = deadline
        if let idempotencyKey { self.idempotencyKey = idempotencyKey }
    }

    private enum CodingKeys: String, CodingKey {
        case messageType, schemaVersion, sagaId, sagaType, sagaVersion, step, phase, attempt, idempotencyKey
        case replyTo, payload, dependencyOutputs, deadline
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        messageType = try c.decode(String.self, forKey: .messageType)
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
        sagaId = try c.decode(String.self, forKey: .sagaId)
        sagaType = try c.decode(String.self, forKey: .sagaType)
        sagaVersion = try c.decode(Int.self, forKey: .sagaVersion)
        step = try c.decode(String.self, forKey: .step)
        phase = try c.decode(SagaPhase.self, forKey: .phase)
        attempt = try c.decode(Int.self, forKey: .attempt)
        replyTo = try c.decode(ReplyTo.self, forKey: .replyTo)
        payload = try c.decode(JSONValue.self, forKey: .payload)
        dependencyOutputs = try c.decode([String: JSONValue].self, forKey: .dependencyOutputs)
        deadline = try c.decode(SagaTime.self, forKey: .deadline)
        customIdempotencyKey = nil
        idempotencyKey = try c.decode(String.self, forKey: .idempotencyKey)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(messageType, forKey: .messageType)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(sagaId, forKey: .sagaId)
        try c.encode(sagaType, forKey: .sagaType)
        try c.encode(sagaVersion, forKey: .sagaVersion)
        try c.encode(step, forKey: .step)
        try c.encode(phase, forKey: .phase)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(replyTo, forKey: .replyTo)
        try c.encode(payload, forKey: .payload)
        try c.encode(dependencyOutputs, forKey: .dependencyOutputs)
        try c.encode(deadline, forKey: .deadline)
    }

    /// The idempotency key of (saga, step, phase): stable across the retries of that (step, phase).
    @inlinable
    public static func idempotencyKey(sagaID: String, step: String, phase: SagaPhase) -> String {
        sagaID + "/" + step + "/" + phase.rawValue
    }

    public func validationProblem() -> String? {
        if let problem = checkEnvelope(messageType: messageType, expected: Self.messageType, schemaVersion: schemaVersion) { return problem }
        if sagaId.isEmpty || step.isEmpty || sagaType.isEmpty { return "sagaId, sagaType and step must not be empty" }
        if attempt < 1 { return "attempt must be 1 or more" }
        if sagaVersion < 1 { return "sagaVersion must be 1 or more" }
        if idempotencyKey.isEmpty { return "idempotencyKey must not be empty" }
        if replyTo.topic.isEmpty || replyTo.partition < 0 { return "replyTo needs a topic and a partition of 0 or more" }
        return nil
    }
}
