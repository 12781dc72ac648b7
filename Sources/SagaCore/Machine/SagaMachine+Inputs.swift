// MARK: - Replies, timers and duplicate starts

extension SagaMachine {
    func handleReply(_ reply: ParticipantReply, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        func ignore(_ reason: String) {
            state.ignoredInputs += 1
            effects.ignoredReason = reason
        }
        guard reply.sagaId == state.sagaID else { return ignore("reply for another saga") }
        guard !state.status.isTerminal else { return ignore("saga is \(state.status.rawValue)") }
        guard let index = plan.indexOfStep(reply.step) else { return ignore("unknown step '\(reply.step)'") }
        let phase = state.status.phase
        guard reply.phase == phase else { return ignore("stale \(reply.phase.rawValue) reply while in \(phase.rawValue)") }
        let step = state.steps[index]
        // A compensation the machine gave up on (attempts ran out) that the participant did after all.
        let lateCompensation = phase == .compensate && step.progress == .refused && reply.outcome == .succeeded
            && reply.attempt == Int(step.attempt)
        guard lateCompensation || (state.status != .failed && step.progress == .inFlight && reply.attempt == Int(step.attempt)) else {
            return ignore("duplicate or old reply (attempt \(reply.attempt), step is \(step.progress) at attempt \(step.attempt))")
        }
        if lateCompensation { state.status = .compensating }
        let reason = reply.reason ?? reply.outcome.rawValue
        switch reply.outcome {
        case .succeeded:
            state.steps[index].progress = .done
            state.steps[index].due = 0
            if phase == .pending, let output = reply.output { state.steps[index].output = output }
            emit(phase == .compensate ? .stepCompensated : .stepSucceeded, &state, &effects, now, phase: phase, step: index, attempt: reply.attempt)
        case .failedRetryable:
            emit(.stepFailed, &state, &effects, now, phase: phase, step: index, attempt: reply.attempt, reason: reason)
            retryOrGiveUp(index, reason: reason, &state, &effects, now)
        case .rejected:
            if phase == .compensate {
                refuse(index, "step '\(plan.steps[index].name)' refused compensation: \(reason)", &state, &effects, now)
            } else {
                emit(.stepRejected, &state, &effects, now, phase: phase, step: index, attempt: reply.attempt, reason: reason)
                beginCompensation("step '\(plan.steps[index].name)' rejected \(phase.rawValue): \(reason)", &state, &effects, now)
            }
        }
        advance(&state, &effects, now)
    }

    func handleTimer(_ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        guard let due = state.nextDeadline, due <= now else {
            effects.ignoredReason = "nothing is due"
            return
        }
        if state.status.isForward && state.deadline <= now {
            beginCompensation("saga deadline passed", &state, &effects, now)
        }
        for index in state.steps.indices where state.steps[index].progress == .inFlight && state.steps[index].due <= now.milliseconds {
            let status = state.status
            let phase = status.phase
            let attempt = Int(state.steps[index].attempt)
            emit(.stepTimedOut, &state, &effects, now, phase: phase, step: index, attempt: attempt)
            retryOrGiveUp(index, reason: "no reply within \(plan.steps[index].definition.timeout)", &state, &effects, now)
            // Giving up turned the saga around; the steps still in flight are now handled by compensation.
            if state.status != status { break }
        }
        advance(&state, &effects, now)
    }

    /// A command that can never be published is a refusal of its step: going forward, the saga
    /// compensates (compensate commands carry no dependency outputs, so they are smaller and
    /// usually get through); while compensating, the step's compensation is refused and the saga
    /// ends `failed` once the others settle.
    func handleUndeliverable(_ step: String, _ phase: SagaPhase, _ reason: String, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        func ignore(_ reason: String) {
            state.ignoredInputs += 1
            effects.ignoredReason = reason
        }
        guard !state.status.isSettled else { return ignore("saga is \(state.status.rawValue)") }
        guard let index = plan.indexOfStep(step) else { return ignore("unknown step '\(step)'") }
        guard state.status.phase == phase else { return ignore("stale \(phase.rawValue) command while in \(state.status.phase.rawValue)") }
        let progress = state.steps[index].progress
        guard progress == .inFlight || progress == .backoff else { return ignore("step '\(step)' is \(progress)") }
        let why = "the \(phase.rawValue) command of step '\(step)' cannot be published: \(reason)"
        if phase == .compensate {
            refuse(index, why, &state, &effects, now)
        } else {
            emit(.stepRejected, &state, &effects, now, phase: phase, step: index, attempt: Int(state.steps[index].attempt), reason: why)
            beginCompensation(why, &state, &effects, now)
        }
        advance(&state, &effects, now)
    }

    func handleDuplicateStart(_ start: StartSagaCommand, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        state.ignoredInputs += 1
        effects.ignoredReason = "duplicate start"
        if start.sagaType != state.sagaType {
            emit(.startRejected, &state, &effects, now, reason: "saga id '\(state.sagaID)' is already used by a saga of type '\(state.sagaType)'")
            return
        }
        switch start.conflictPolicy {
        case .reject:
            emit(.startRejected, &state, &effects, now, reason: "saga '\(state.sagaID)' already exists (\(state.status.rawValue))")
        case .returnExisting:
            emit(.startDeduplicated, &state, &effects, now, reason: "saga '\(state.sagaID)' already exists (\(state.status.rawValue))")
        }
    }
}
