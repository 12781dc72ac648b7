import SagaCore
import SagaStore

/// One saga in full: its record, its decoded state and each step's progress in the current phase.
struct SagaDetail: Encodable, Sendable {
    struct Step: Encodable, Sendable {
        var index: Int
        var name: String?
        var topic: String?
        var dependsOn: [String]?
        /// `idle`, `in-flight`, `backoff`, `done`, `skipped` or `refused`.
        var progress: String
        /// Attempts sent in the phase the steps are in.
        var attempts: Int
        /// Whether it was sent a pending command (and so is compensated if the saga turns around).
        var pendingSent: Bool
        /// In flight: the attempt's deadline; in backoff: when the retry is sent.
        var due: String?
        /// The output of its pending reply.
        var output: JSONValue?
    }

    var id: String
    var type: String
    var version: Int
    var status: String
    var terminal: Bool
    var paused: Bool
    /// The phase whose commands it sends; absent once it completed or was compensated.
    var phase: String?
    /// The phase the steps' progress is about.
    var stepsPhase: String
    var businessKey: String?
    var partition: Int32
    var createdAt: String
    var updatedAt: String
    var startedAt: String
    var deadline: String
    var nextDeadline: String?
    var reason: String?
    var failureReason: String?
    /// The sequence number of its last progress event.
    var sequence: Int64
    var ignoredInputs: Int64
    var payload: JSONValue
    var steps: [Step]
    /// Its numbered progress events, as the store kept them.
    var history: SagaHistory

    init(record: SagaRecord, state: SagaState, plan: SagaPlan?, history: SagaHistory) {
        self.history = history
        id = record.id
        type = record.type
        version = record.version
        status = record.status
        terminal = record.isTerminal
        paused = state.paused
        phase = state.status.isTerminal ? nil : state.status.phase.rawValue
        stepsPhase = (state.status == .completed ? SagaPhase.approve : state.status.phase).rawValue
        businessKey = record.businessKey
        partition = record.partition
        createdAt = isoTime(record.createdAt)
        updatedAt = isoTime(record.updatedAt)
        startedAt = isoTime(state.startedAt.milliseconds)
        deadline = isoTime(state.deadline.milliseconds)
        nextDeadline = state.nextDeadline.map { isoTime($0.milliseconds) }
        reason = state.reason
        failureReason = state.failureReason
        sequence = state.sequence
        ignoredInputs = state.ignoredInputs
        payload = state.payload
        steps = state.steps.enumerated().map { index, step in
            let definition = plan.flatMap { index < $0.steps.count ? $0.steps[index].definition : nil }
            return Step(
                index: index,
                name: definition?.name,
                topic: definition?.topic,
                dependsOn: definition?.dependsOn,
                progress: Self.name(of: step.progress),
                attempts: Int(step.attempt),
                pendingSent: step.pendingSent,
                due: step.progress == .inFlight || step.progress == .backoff ? isoTime(step.due) : nil,
                output: step.output
            )
        }
    }

    private static func name(of progress: StepState.Progress) -> String {
        switch progress {
        case .idle: "idle"
        case .inFlight: "in-flight"
        case .backoff: "backoff"
        case .done: "done"
        case .skipped: "skipped"
        case .refused: "refused"
        }
    }
}
