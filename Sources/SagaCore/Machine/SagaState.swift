/// The snapshot of one saga: everything the machine needs, and what the runtime persists.
///
/// Encode it with ``SagaStateCodec`` (fast) or any `Encoder` (JSON keys are one or two letters to keep it
/// compact; both write the same document and read each other's); decode it back
/// and continue with the plan of ``sagaType`` at ``sagaVersion``: a running saga stays on the version
/// it started with.
public struct SagaState: Hashable, Sendable {
    /// The saga's id.
    public internal(set) var sagaID: String
    /// The saga type.
    public internal(set) var sagaType: String
    /// The definition version the saga runs, pinned at start.
    public internal(set) var sagaVersion: Int
    /// The business key it was started with.
    public internal(set) var businessKey: String?
    /// Where the saga is.
    public internal(set) var status: SagaStatus
    /// Whether an operator paused it: no new commands are sent, replies are still recorded.
    public internal(set) var paused: Bool
    /// The start command's payload.
    public internal(set) var payload: JSONValue
    /// Each step's state, in the plan's step order.
    public internal(set) var steps: [StepState]
    /// The sequence number of the last progress event.
    public internal(set) var sequence: Int64
    /// The state of the jitter generator.
    public internal(set) var random: UInt64
    /// When the saga started.
    public internal(set) var startedAt: SagaTime
    /// The saga deadline: past it, a saga still going forward is compensated.
    public internal(set) var deadline: SagaTime
    /// The partition of the replies topic that participants reply to.
    public internal(set) var replyPartition: Int32
    /// How many inputs changed nothing: duplicate or stale replies, duplicate starts.
    public internal(set) var ignoredInputs: Int64
    /// Why the saga turned around: the rejection, exhausted retries, the deadline or the cancel that started compensation.
    public internal(set) var reason: String?
    /// Why compensation is stuck, when a participant refused it for good (the saga is or was `failed`);
    /// cleared when the saga is compensated.
    public internal(set) var failureReason: String?
    /// The W3C `traceparent` the saga was started under: every command and event of the saga carries
    /// it, whatever input caused them (a timer firing has no trace of its own).
    public internal(set) var traceparent: String?

    init(sagaID: String, plan: SagaPlan, start: StartSagaCommand, replyPartition: Int32, now: SagaTime, traceparent: String? = nil) {
        self.sagaID = sagaID
        self.sagaType = plan.type
        self.sagaVersion = plan.version
        self.businessKey = start.businessKey
        self.status = .executing
        self.paused = false
        self.payload = start.payload
        self.steps = [StepState](repeating: StepState(), count: plan.steps.count)
        self.sequence = 0
        self.random = SplitMix64.seed(from: sagaID)
        self.startedAt = now
        self.deadline = now.advanced(by: plan.definition.deadline)
        self.replyPartition = replyPartition
        self.ignoredInputs = 0
        self.reason = nil
        self.failureReason = nil
        self.traceparent = traceparent
    }

    /// The earliest time something is due: an attempt timeout, a retry, or the saga deadline; nil when nothing is.
    public var nextDeadline: SagaTime? {
        if status.isSettled { return nil }
        var earliest = status.isForward ? deadline.milliseconds : Int64.max
        for step in steps {
            // A paused saga sends no retries, so an elapsed backoff must not keep the timer firing.
            if step.progress == .inFlight || (step.progress == .backoff && !paused), step.due < earliest {
                earliest = step.due
            }
        }
        return earliest == .max ? nil : SagaTime(milliseconds: earliest)
    }
}

extension SagaState: Codable {
    enum CodingKeys: String, CodingKey {
        case sagaID = "id", sagaType = "t", sagaVersion = "v", businessKey = "k", status = "st", paused = "pz"
        case payload = "in", steps = "s", sequence = "q", random = "r", startedAt = "at", deadline = "dl"
        case replyPartition = "rp", ignoredInputs = "ig", reason = "why", failureReason = "fail", traceparent = "tp"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sagaID = try c.decode(String.self, forKey: .sagaID)
        sagaType = try c.decode(String.self, forKey: .sagaType)
        sagaVersion = try c.decode(Int.self, forKey: .sagaVersion)
        businessKey = try c.decodeIfPresent(String.self, forKey: .businessKey)
        status = try c.decode(SagaStatus.self, forKey: .status)
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused) ?? false
        payload = try c.decode(JSONValue.self, forKey: .payload)
        steps = try c.decode([StepState].self, forKey: .steps)
        sequence = try c.decode(Int64.self, forKey: .sequence)
        random = try c.decode(UInt64.self, forKey: .random)
        startedAt = try c.decode(SagaTime.self, forKey: .startedAt)
        deadline = try c.decode(SagaTime.self, forKey: .deadline)
        replyPartition = try c.decode(Int32.self, forKey: .replyPartition)
        ignoredInputs = try c.decodeIfPresent(Int64.self, forKey: .ignoredInputs) ?? 0
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        failureReason = try c.decodeIfPresent(String.self, forKey: .failureReason)
        traceparent = try c.decodeIfPresent(String.self, forKey: .traceparent)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sagaID, forKey: .sagaID)
        try c.encode(sagaType, forKey: .sagaType)
        try c.encode(sagaVersion, forKey: .sagaVersion)
        try c.encodeIfPresent(businessKey, forKey: .businessKey)
        try c.encode(status, forKey: .status)
        if paused { try c.encode(true, forKey: .paused) }
        try c.encode(payload, forKey: .payload)
        try c.encode(steps, forKey: .steps)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(random, forKey: .random)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(deadline, forKey: .deadline)
        try c.encode(replyPartition, forKey: .replyPartition)
        if ignoredInputs != 0 { try c.encode(ignoredInputs, forKey: .ignoredInputs) }
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(failureReason, forKey: .failureReason)
        try c.encodeIfPresent(traceparent, forKey: .traceparent)
    }
}
