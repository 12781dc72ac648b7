import SagaCore
import SagaStore

/// One saga as `saga status` shows it: the stored record and its decoded state.
struct SagaStatusReport: Encodable {
    /// One step in the saga's current phase.
    struct Step: Encodable {
        var index: Int
        /// From the definition, when `--definitions` gave it.
        var name: String?
        /// `idle`, `in-flight`, `backoff`, `done`, `skipped` or `refused`.
        var progress: String
        /// Attempts sent in the current phase.
        var attempts: Int
        /// Whether it was sent a pending command (and so is compensated if the saga turns around).
        var pendingSent: Bool
        /// In flight: the attempt's deadline; in backoff: when the retry is sent.
        var due: String?
        /// The output of its pending reply.
        var output: JSONValue?
    }

    var sagaId: String
    var sagaType: String
    var sagaVersion: Int
    var businessKey: String?
    var status: String
    var paused: Bool
    /// The phase whose commands it sends; absent once it completed or was compensated.
    var phase: String?
    var terminal: Bool
    var partition: Int32
    var createdAt: String
    var updatedAt: String
    var startedAt: String
    var deadline: String
    var nextDeadline: String?
    /// Why it turned around.
    var reason: String?
    /// Why compensation is stuck.
    var failureReason: String?
    /// The sequence number of its last progress event.
    var sequence: Int64
    /// Duplicate or stale inputs it ignored.
    var ignoredInputs: Int64
    var payload: JSONValue
    var steps: [Step]
    /// The phase the steps' progress is about: the last one, once the saga is over.
    private let stepsPhase: SagaPhase

    private enum CodingKeys: String, CodingKey {
        case sagaId, sagaType, sagaVersion, businessKey, status, paused, phase, terminal, partition, createdAt, updatedAt
        case startedAt, deadline, nextDeadline, reason, failureReason, sequence, ignoredInputs, payload, steps
    }

    init(record: SagaRecord, state: SagaState, plan: SagaPlan?) {
        sagaId = record.id
        sagaType = record.type
        sagaVersion = record.version
        businessKey = record.businessKey
        status = record.status
        paused = state.paused
        phase = state.status.isTerminal ? nil : state.status.phase.rawValue
        terminal = record.isTerminal
        partition = record.partition
        createdAt = isoTime(milliseconds: record.createdAt)
        updatedAt = isoTime(milliseconds: record.updatedAt)
        startedAt = isoTime(milliseconds: state.startedAt.milliseconds)
        deadline = isoTime(milliseconds: state.deadline.milliseconds)
        nextDeadline = state.nextDeadline.map { isoTime(milliseconds: $0.milliseconds) }
        reason = state.reason
        failureReason = state.failureReason
        sequence = state.sequence
        ignoredInputs = state.ignoredInputs
        payload = state.payload
        stepsPhase = state.status == .completed ? .approve : state.status.phase
        steps = state.steps.enumerated().map { index, step in
            Step(
                index: index,
                name: plan.flatMap { index < $0.steps.count ? $0.steps[index].name : nil },
                progress: Self.name(of: step.progress),
                attempts: Int(step.attempt),
                pendingSent: step.pendingSent,
                due: step.progress == .inFlight || step.progress == .backoff ? isoTime(milliseconds: step.due) : nil,
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

    /// The report for a terminal.
    var lines: [String] {
        var fields: [[String]] = [
            ["saga", sagaId],
            ["type", "\(sagaType) (version \(sagaVersion))"],
        ]
        if let businessKey { fields.append(["business key", businessKey]) }
        fields.append(["status", status + (paused ? " (paused)" : "")])
        if let phase { fields.append(["phase", phase]) }
        fields += [["partition", "\(partition)"], ["started", startedAt], ["updated", updatedAt], ["deadline", deadline]]
        if let nextDeadline { fields.append(["next timer", nextDeadline]) }
        if let reason { fields.append(["turned around", reason]) }
        if let failureReason { fields.append(["stuck because", failureReason]) }
        if ignoredInputs > 0 { fields.append(["ignored inputs", "\(ignoredInputs) (duplicate or stale)"]) }
        var lines = tableLines(fields)
        lines.append("")
        lines.append("steps, in the \(stepsPhase.rawValue) phase:")
        let rows = [["  STEP", "PROGRESS", "ATTEMPTS", "PENDING SENT", "DUE"]] + steps.map { step in
            ["  " + (step.name ?? "#\(step.index + 1)"), step.progress, "\(step.attempts)", step.pendingSent ? "yes" : "no", step.due ?? ""]
        }
        lines += tableLines(rows).map { $0.trimmingTrailingSpaces }
        if steps.contains(where: { $0.name == nil }) {
            lines.append("  (steps are numbered in definition order; --definitions names them)")
        }
        return lines
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
