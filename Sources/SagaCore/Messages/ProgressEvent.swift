/// One transition of one saga, published for operators, dashboards and the `watch` command.
public struct ProgressEvent: SagaMessage {
    /// What happened. A struct of names rather than an enum, so new kinds can be added.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The event's name on the wire.
        public let rawValue: String
        /// An event kind by name.
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The saga was created and its first pending commands sent.
        public static let sagaStarted = Kind(rawValue: "sagaStarted")
        /// A duplicate start was answered with the existing saga (`reason` names it).
        public static let startDeduplicated = Kind(rawValue: "startDeduplicated")
        /// A duplicate start was refused (policy `reject`, or the id belongs to another saga type).
        public static let startRejected = Kind(rawValue: "startRejected")
        /// Every step finished the previous phase; `phase` is the one that starts.
        public static let phaseStarted = Kind(rawValue: "phaseStarted")
        /// A command was sent to `step` for `phase`, attempt `attempt`.
        public static let commandSent = Kind(rawValue: "commandSent")
        /// `step` succeeded in `phase`.
        public static let stepSucceeded = Kind(rawValue: "stepSucceeded")
        /// `step` replied failed-retryable in `phase` (`reason`).
        public static let stepFailed = Kind(rawValue: "stepFailed")
        /// `step` rejected `phase` (`reason`): the saga compensates.
        public static let stepRejected = Kind(rawValue: "stepRejected")
        /// No reply from `step` within its timeout.
        public static let stepTimedOut = Kind(rawValue: "stepTimedOut")
        /// The next attempt of `step` is sent at `retryAt`.
        public static let retryScheduled = Kind(rawValue: "retryScheduled")
        /// Every step approved. Final.
        public static let sagaCompleted = Kind(rawValue: "sagaCompleted")
        /// The saga turned around (`reason`).
        public static let compensationStarted = Kind(rawValue: "compensationStarted")
        /// `step` acknowledged its compensation.
        public static let stepCompensated = Kind(rawValue: "stepCompensated")
        /// `step` refused compensation for good, or its attempts ran out (`reason`).
        public static let compensationRefused = Kind(rawValue: "compensationRefused")
        /// Every step that was sent a pending command is compensated. Final.
        public static let sagaCompensated = Kind(rawValue: "sagaCompensated")
        /// Compensation is stuck on a refusal: an operator must retry or force the step.
        public static let sagaFailed = Kind(rawValue: "sagaFailed")
        /// An operator paused the saga.
        public static let paused = Kind(rawValue: "paused")
        /// An operator resumed the saga.
        public static let resumed = Kind(rawValue: "resumed")
        /// An operator asked to retry `step` now.
        public static let retryRequested = Kind(rawValue: "retryRequested")
        /// An operator marked `step`'s refused compensation as done by hand.
        public static let compensationForced = Kind(rawValue: "compensationForced")
        /// An operator control did not apply (`reason` says why).
        public static let controlRejected = Kind(rawValue: "controlRejected")

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    public static let messageType = "saga.progress"
    public static let schemaFile = "progress-event.v1.json"

    /// Always ``messageType``.
    public var messageType: String = ProgressEvent.messageType
    /// Always ``sagaSchemaVersion``.
    public var schemaVersion: Int = sagaSchemaVersion
    /// The saga.
    public var sagaId: String
    /// The saga's type.
    public var sagaType: String
    /// The saga's definition version.
    public var sagaVersion: Int
    /// The per-saga sequence number, from 1, without gaps: a reader can detect a missed event.
    public var sequence: Int64
    /// What happened.
    public var event: Kind
    /// The phase concerned, when the event is about a step or a phase.
    public var phase: SagaPhase?
    /// The step concerned.
    public var step: String?
    /// The attempt concerned.
    public var attempt: Int?
    /// The saga's status after the transition.
    public var state: SagaStatus
    /// Whether the saga is paused after the transition.
    public var paused: Bool
    /// The time of the transition, in milliseconds since the epoch.
    public var time: SagaTime
    /// Why, for failures, refusals, retries and controls.
    public var reason: String?
    /// For `retryScheduled`: the time the retry is sent.
    public var retryAt: SagaTime?
    /// The saga's W3C trace id (32 lowercase hex digits), to find its trace in a tracing backend;
    /// set when the orchestrator records spans.
    public var traceId: String?

    /// Creates an event.
    public init(
        sagaId: String, sagaType: String, sagaVersion: Int, sequence: Int64, event: Kind, phase: SagaPhase? = nil,
        step: String? = nil, attempt: Int? = nil, state: SagaStatus, paused: Bool = false, time: SagaTime,
        reason: String? = nil, retryAt: SagaTime? = nil, traceId: String? = nil
    ) {
        self.sagaId = sagaId
        self.sagaType = sagaType
        self.sagaVersion = sagaVersion
        self.sequence = sequence
        self.event = event
        self.phase = phase
        self.step = step
        self.attempt = attempt
        self.state = state
        self.paused = paused
        self.time = time
        self.reason = reason
        self.retryAt = retryAt
        self.traceId = traceId
    }

    public func validationProblem() -> String? {
        if let problem = checkEnvelope(messageType: messageType, expected: Self.messageType, schemaVersion: schemaVersion) { return problem }
        if sagaId.isEmpty { return "sagaId must not be empty" }
        if sequence < 1 { return "sequence must be 1 or more" }
        return nil
    }
}
