// MARK: - Operator controls

extension SagaMachine {
    func handleControl(_ control: ControlCommand, _ state: inout SagaState, _ effects: inout SagaEffects, _ now: SagaTime) {
        func reject(_ reason: String) {
            emit(.controlRejected, &state, &effects, now, reason: "\(control.action.rawValue): \(reason)")
        }
        guard control.sagaId == state.sagaID else { return reject("control for another saga") }
        guard !state.status.isTerminal else { return reject("saga is \(state.status.rawValue)") }
        let why = control.reason.map { ": \($0)" } ?? ""
        switch control.action {
        case .cancel:
            guard state.status.isForward else { return reject("saga is already \(state.status.rawValue)") }
            beginCompensation("cancelled by operator\(why)", &state, &effects, now)
        case .pause:
            guard !state.paused else { return reject("saga is already paused") }
            state.paused = true
            emit(.paused, &state, &effects, now, reason: control.reason)
        case .resume:
            guard state.paused else { return reject("saga is not paused") }
            state.paused = false
            emit(.resumed, &state, &effects, now, reason: control.reason)
        case .retry:
            guard let name = control.step, let index = plan.indexOfStep(name) else { return reject("unknown step '\(control.step ?? "")'") }
            switch state.steps[index].progress {
            case .backoff:
                state.steps[index].due = now.milliseconds
            case .refused:
                // A fresh round of attempts for a compensation that was refused.
                state.steps[index].progress = .idle
                state.steps[index].attempt = 0
                state.status = .compensating
            default:
                return reject("step '\(name)' is not waiting for a retry")
            }
            emit(.retryRequested, &state, &effects, now, phase: state.status.phase, step: index, reason: control.reason)
        case .compensate:
            if let name = control.step {
                guard let index = plan.indexOfStep(name) else { return reject("unknown step '\(name)'") }
                guard state.steps[index].progress == .refused else { return reject("step '\(name)' has not refused compensation") }
                // The operator compensated it by hand.
                state.steps[index].progress = .done
                state.status = .compensating
                emit(.compensationForced, &state, &effects, now, phase: .compensate, step: index, reason: control.reason)
            } else {
                guard state.status.isForward else { return reject("saga is already \(state.status.rawValue)") }
                beginCompensation("compensation forced by operator\(why)", &state, &effects, now)
            }
        }
        advance(&state, &effects, now)
    }
}
