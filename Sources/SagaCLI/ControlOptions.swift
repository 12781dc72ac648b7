import ArgumentParser
import Foundation
import SagaCore
import SagaStore

/// What every control command shares: where to send, whether to wait, and the sending itself.
struct ControlOptions: ParsableArguments {
    @OptionGroup var waiting: WaitOptions

    @Option(help: "Who asks, for the saga's audit trail (default: $USER@host).")
    var requestedBy: String?

    @OptionGroup var cluster: ClusterOptions

    @OptionGroup var storeOptions: StoreOptions

    /// Publishes `control` to the commands topic, keyed by its saga id, says what was sent,
    /// and with `--wait` follows the saga until the orchestrator answered.
    func send(_ control: ControlCommand) async throws {
        try await reportingFailures {
            var control = control
            control.sagaId = try await fullID(control.sagaId)
            control.requestedBy = requestedBy ?? "\(ProcessInfo.processInfo.environment["USER"] ?? "operator")@\(ProcessInfo.processInfo.hostName)"
            let cluster = try self.cluster.resolve()
            try await cluster.checkReachable()
            let feed = try await waiting.feed(on: cluster)
            try await cluster.withClient { try await $0.control(control) }
            let step = control.step.map { " step \($0)" } ?? ""
            let reason = control.reason.map { " (reason: \($0))" } ?? ""
            writeLine("sent \(control.action.rawValue)\(step) for saga \(control.sagaId)\(reason) to \(cluster.topics.commands)")
            guard let feed else { return }
            let outcome = try await waiting.follow(control.sagaId, on: feed, cluster: cluster, printing: true) {
                Self.answers(control.action, $0)
            }
            try Self.finish(outcome, action: control.action, sagaID: control.sagaId)
        }
    }

    /// The full id of the saga `given` names, resolved in the orchestrator's store when one is
    /// named or found (a prefix works then); `given` as it is when there is no store to ask.
    private func fullID(_ given: String) async throws -> String {
        guard try storeOptions.isAvailable() else { return given }
        return try await storeOptions.withStore { store in
            try await SagaIDLookup.resolve(given, in: store)
        }
    }

    /// Whether `event` is the orchestrator's answer to a control: its rejection, the event it
    /// applies as, or (cancel and compensate) the saga settling.
    private static func answers(_ action: ControlCommand.Action, _ event: ProgressEvent) -> Bool {
        // The core's rejections name the action first: "cancel: saga is completed".
        if event.event == .controlRejected { return event.reason?.hasPrefix("\(action.rawValue):") ?? false }
        switch action {
        case .pause: return event.event == .paused
        case .resume: return event.event == .resumed
        case .retry: return event.event == .retryRequested
        case .cancel: return event.state.isSettled
        // Compensating can take long (a participant that does not answer is asked again and
        // again): the answer is the compensation starting, or the step marked done by hand.
        case .compensate: return event.event == .compensationStarted || event.event == .compensationForced || event.state.isSettled
        }
    }

    private static func finish(_ outcome: SagaFollower.Outcome, action: ControlCommand.Action, sagaID: String) throws {
        switch outcome {
        case .event(let event) where event.event == .controlRejected:
            throw OperatorFailure("the orchestrator rejected the \(action.rawValue): \(event.reason ?? "no reason given")", status: OperatorExit.refused)
        case .event(let event) where event.state == .failed:
            throw OperatorExit.failed
        case .event(let event):
            if !SagaTally.closingKinds.contains(event.event) { writeLine("=> \(action.rawValue) applied: saga \(sagaID) is \(event.state.rawValue)\(event.paused ? ", paused" : "")") }
        case .deadLettered(let letter):
            // The runtime dead-letters a control for a saga it does not have with this reason.
            let unknown = letter.reason.hasPrefix("no saga")
            throw OperatorFailure("the orchestrator sent the \(action.rawValue) to the dead-letter topic: \(letter.reason)", status: unknown ? OperatorExit.noSuchSaga : OperatorExit.refused)
        case .timedOut(let last):
            throw OperatorFailure("timed out waiting for the orchestrator to apply the \(action.rawValue) to saga \(sagaID) (last state: \(last?.state.rawValue ?? "no event seen"))", status: OperatorExit.timedOut)
        }
    }
}
