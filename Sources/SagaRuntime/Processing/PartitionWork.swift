import SagaCore
import SagaStore

/// What applying one poll batch (or a round of timers) to a partition produced: everything that
/// goes into the partition's next store transaction.
struct PartitionWork {
    /// The latest state of every saga the batch touched, terminal ones included.
    var touched: [String: SagaState] = [:]
    /// The encoding of each state in ``touched``, made when it was recorded (so a state that
    /// cannot be encoded is refused then, not at commit).
    var encodedStates: [String: [UInt8]] = [:]
    /// Stored sagas set aside because their state cannot be read or written.
    var quarantined: [SagaRecord] = []
    /// Commands, progress events, dead letters and forwarded starts, in the order they were made.
    var outbox: [OutboxMessage] = []
    /// The next offset to read per input topic.
    var nextOffsets: [String: Int64] = [:]
    /// Start keys of sagas created by the batch.
    var startKeys: [StartKeyRegistration] = []
    /// How many inputs were sent to the dead-letter topic.
    var deadLettered = 0
    /// How many inputs changed nothing (duplicates, stale replies).
    var ignored = 0
    /// How many sagas the batch started.
    var started = 0
    /// Sagas started, by saga type (for the metrics).
    var startedByType: [String: Int] = [:]
    /// Sagas that reached a settled state (completed, compensated, or failed with compensation
    /// stuck), with their type and start time, for the counters and latency figures.
    var finished: [(status: SagaStatus, type: String, startedAt: Int64)] = []
    /// Step outcomes the batch's progress events report (for the metrics).
    var stepOutcomes: [StepOutcome: Int] = [:]
    /// How long each step took to answer, from its command to its reply, by phase (for the metrics).
    var replyLatencies: [(phase: String, milliseconds: Int64)] = []
    /// The batch's progress events for the sagas' histories in the store.
    var progress: [ProgressEntry] = []
    /// Inputs sent to the dead-letter topic, by reason class (for the metrics).
    var deadLettersByReason: [DeadLetterReason: Int] = [:]

    /// A step's outcome in a phase, as the metrics count it.
    struct StepOutcome: Hashable {
        var step: String
        var phase: String
        /// `succeeded`, `failed`, `rejected`, `timed_out`, `compensated` or `compensation_refused`.
        var outcome: String
    }

    var isEmpty: Bool { touched.isEmpty && outbox.isEmpty && nextOffsets.isEmpty && quarantined.isEmpty }

    /// Counts what `events` report about steps and finished sagas.
    mutating func tally(_ events: [ProgressEvent], state: SagaState) {
        for event in events {
            let outcome: String
            switch event.event {
            case .stepSucceeded: outcome = "succeeded"
            case .stepFailed: outcome = "failed"
            case .stepRejected: outcome = "rejected"
            case .stepTimedOut: outcome = "timed_out"
            case .stepCompensated: outcome = "compensated"
            case .compensationRefused: outcome = "compensation_refused"
            case .sagaCompleted, .sagaCompensated, .sagaFailed:
                finished.append((event.state, state.sagaType, state.startedAt.milliseconds))
                continue
            default: continue
            }
            let phase = event.phase?.rawValue ?? (event.event == .stepCompensated || event.event == .compensationRefused ? "compensate" : "unknown")
            stepOutcomes[StepOutcome(step: event.step ?? "unknown", phase: phase, outcome: outcome), default: 0] += 1
        }
    }

    /// Keeps `events` (encoded as `values`) for the sagas' progress histories, with the reply
    /// latency of each event `latencies` has (by index in `events`).
    mutating func keepHistory(_ events: [ProgressEvent], values: [[UInt8]], latencies: [Int: Int64]) {
        for (index, event) in zip(events, values).enumerated() {
            progress.append(ProgressEntry(
                sagaID: event.0.sagaId, sequence: event.0.sequence, time: event.0.time.milliseconds, kind: event.0.event.rawValue,
                phase: event.0.phase?.rawValue, latency: latencies[index], event: event.1
            ))
        }
    }

    /// Times the replies `events` report: an attempt in flight before the input was sent at its
    /// deadline minus the step's timeout. Returns each latency by the index of its event.
    @discardableResult
    mutating func timeReplies(_ events: [ProgressEvent], before: SagaState, plan: SagaPlan) -> [Int: Int64] {
        var byIndex: [Int: Int64] = [:]
        for (position, event) in events.enumerated() {
            switch event.event {
            case .stepSucceeded, .stepFailed, .stepRejected, .stepCompensated, .compensationRefused: break
            default: continue
            }
            guard let step = event.step, let index = plan.index(ofStep: step), index < before.steps.count,
                  before.steps[index].progress == .inFlight
            else { continue }
            let sent = before.steps[index].due - plan.steps[index].definition.timeout.milliseconds
            let phase = event.phase?.rawValue ?? "compensate"
            let latency = max(0, event.time.milliseconds - sent)
            replyLatencies.append((phase, latency))
            byIndex[position] = latency
        }
        return byIndex
    }

    mutating func consumed(topic: String, offset: Int64) {
        let next = offset + 1
        if next > nextOffsets[topic, default: -1] { nextOffsets[topic] = next }
    }

    /// The store records of the touched sagas.
    func records(partition: Int32, now: Int64) -> [SagaRecord] {
        touched.values.map { state in
            SagaRecord(
                id: state.sagaID,
                type: state.sagaType,
                version: state.sagaVersion,
                partition: partition,
                status: state.status.rawValue,
                isTerminal: state.status.isTerminal,
                businessKey: state.businessKey,
                nextDeadline: state.nextDeadline?.milliseconds,
                createdAt: state.startedAt.milliseconds,
                updatedAt: now,
                state: encodedStates[state.sagaID] ?? []
            )
        } + quarantined
    }
}
