// MARK: - Sending what is ready, and moving between phases

extension SagaMachine {
    /// Sends every command that is ready, then moves to the next phase while the current one is complete.
    func advance(_ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        while !state.status.isSettled {
            if !state.paused { sendReady(&state, &effects, now) }
            guard finishPhaseIfComplete(&state, &effects, now) else { return }
        }
    }

    private func sendReady(_ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        let status = state.status
        for index in state.steps.indices {
            switch state.steps[index].progress {
            case .idle:
                if isReady(index, status, state) { send(index, &state, &effects, now) }
            case .backoff:
                if state.steps[index].due <= now.milliseconds { send(index, &state, &effects, now) }
            case .inFlight, .done, .skipped, .refused:
                break
            }
        }
    }

    private func isReady(_ index: Int, _ status: SagaStatus, _ state: SagaState) -> Bool {
        switch status {
        case .executing:
            for dependency in plan.steps[index].dependencies where state.steps[dependency].progress != .done { return false }
            return true
        case .compensating:
            // Reverse dependency order: only after every dependent that was touched is compensated.
            for dependent in plan.steps[index].dependents {
                let progress = state.steps[dependent].progress
                if progress != .done && progress != .skipped { return false }
            }
            return true
        case .verifying, .approving:
            return true
        case .completed, .compensated, .failed:
            return false
        }
    }

    /// Sends the next attempt of (step, current phase).
    func send(_ index: Int, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        let phase = state.status.phase
        let deadline = now.advanced(by: plan.steps[index].definition.timeout)
        let attempt = state.steps[index].attempt + 1
        state.steps[index].attempt = attempt
        state.steps[index].progress = .inFlight
        state.steps[index].due = deadline.milliseconds
        var outputs: [String: JSONValue] = [:]
        if phase == .pending {
            state.steps[index].pendingSent = true
            for dependency in plan.steps[index].dependencies {
                if let output = state.steps[dependency].output { outputs[plan.steps[dependency].definition.name] = output }
            }
        }
        let command = ParticipantCommand(
            sagaId: state.sagaID, sagaType: state.sagaType, sagaVersion: state.sagaVersion, step: plan.steps[index].definition.name,
            phase: phase, attempt: Int(attempt), replyTo: .init(topic: replyTopic, partition: state.replyPartition),
            payload: state.payload, dependencyOutputs: outputs, deadline: deadline
        )
        if effects.commands.capacity == 0 { effects.commands.reserveCapacity(plan.steps.count) }
        effects.commands.append(OutgoingCommand(topic: plan.steps[index].definition.topic, key: state.sagaID, message: command))
        if commandSentEvents { emit(.commandSent, &state, &effects, now, phase: phase, step: index, attempt: Int(attempt)) }
    }

    /// Moves on when the current phase is complete. Returns whether the status changed.
    private func finishPhaseIfComplete(_ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) -> Bool {
        switch state.status {
        case .executing, .verifying, .approving:
            for step in state.steps where step.progress != .done && step.progress != .skipped { return false }
            switch state.status {
            case .executing: startPhase(.verifying, &state, &effects, now)
            case .verifying: startPhase(.approving, &state, &effects, now)
            default:
                state.status = .completed
                emit(.sagaCompleted, &state, &effects, now)
            }
            return true
        case .compensating:
            var refused = false
            for index in state.steps.indices {
                switch state.steps[index].progress {
                case .inFlight, .backoff: return false
                case .idle: if isReady(index, .compensating, state) { return false }
                case .refused: refused = true
                case .done, .skipped: break
                }
            }
            if refused {
                state.status = .failed
                emit(.sagaFailed, &state, &effects, now, reason: state.failureReason)
            } else {
                state.status = .compensated
                state.failureReason = nil
                emit(.sagaCompensated, &state, &effects, now, reason: state.reason)
            }
            return true
        case .completed, .compensated, .failed:
            return false
        }
    }

    private func startPhase(_ status: SagaStatus, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        state.status = status
        let phase = status.phase
        for index in state.steps.indices {
            state.steps[index].progress = plan.steps[index].definition.phases.includes(phase) ? .idle : .skipped
            state.steps[index].attempt = 0
            state.steps[index].due = 0
        }
        emit(.phaseStarted, &state, &effects, now, phase: phase)
    }

    /// Turns the saga around: every step that was sent a pending command is compensated, leaves first.
    func beginCompensation(_ reason: String, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        state.status = .compensating
        state.reason = reason
        for index in state.steps.indices {
            state.steps[index].progress = state.steps[index].pendingSent ? .idle : .skipped
            state.steps[index].attempt = 0
            state.steps[index].due = 0
        }
        emit(.compensationStarted, &state, &effects, now, phase: .compensate, reason: reason)
    }

    /// After a failed or timed-out attempt: schedules the next one, or gives up.
    func retryOrGiveUp(_ index: Int, reason: String, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        let step = plan.steps[index]
        let phase = state.status.phase
        let policy = phase == .compensate ? step.definition.compensationRetry : step.definition.retry
        let attempt = Int(state.steps[index].attempt)
        guard attempt < policy.maxAttempts else {
            let why = "step '\(step.name)' \(phase.rawValue) failed after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(reason)"
            giveUp(index, why, &state, &effects, now)
            return
        }
        var generator = SplitMix64(state: state.random)
        let delay = policy.backoff(afterAttempt: attempt, random: generator.nextUnit())
        state.random = generator.state
        let retryAt = now.advanced(by: delay)
        if phase != .compensate && retryAt > state.deadline {
            giveUp(index, "step '\(step.name)' \(phase.rawValue) cannot be retried before the saga deadline: \(reason)", &state, &effects, now)
            return
        }
        state.steps[index].progress = .backoff
        state.steps[index].due = retryAt.milliseconds
        emit(.retryScheduled, &state, &effects, now, phase: phase, step: index, attempt: attempt, reason: reason, retryAt: retryAt)
    }

    private func giveUp(_ index: Int, _ reason: String, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        if state.status == .compensating {
            refuse(index, reason, &state, &effects, now)
        } else {
            beginCompensation(reason, &state, &effects, now)
        }
    }

    /// A participant refused compensation for good.
    func refuse(_ index: Int, _ reason: String, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        state.steps[index].progress = .refused
        state.steps[index].due = 0
        state.failureReason = reason
        emit(.compensationRefused, &state, &effects, now, phase: .compensate, step: index, attempt: Int(state.steps[index].attempt), reason: reason)
    }

    /// Appends a progress event with the next sequence number.
    func emit(
        _ kind: ProgressEvent.Kind, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime,
        phase: SagaPhase? = nil, step: Int? = nil, attempt: Int? = nil, reason: String? = nil, retryAt: SagaTime? = nil
    ) {
        // Most transitions emit one to four events: one allocation instead of three growths.
        if effects.events.capacity == 0 { effects.events.reserveCapacity(4) }
        state.sequence += 1
        effects.events.append(ProgressEvent(
            sagaId: state.sagaID, sagaType: state.sagaType, sagaVersion: state.sagaVersion, sequence: state.sequence,
            event: kind, phase: phase, step: step.map { plan.steps[$0].definition.name }, attempt: attempt, state: state.status,
            paused: state.paused, time: now, reason: reason, retryAt: retryAt
        ))
    }
}
