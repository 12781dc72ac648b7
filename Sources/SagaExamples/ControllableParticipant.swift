import SagaCore
import SagaParticipant
import Synchronization

/// A participant that does what it is told, for demos and tests: it refuses the phases it is
/// told to, fails the first attempts, or is slow (see ``ControllableBehavior`` for the payload
/// fields and ``defaults`` for its configuration). Otherwise it succeeds; a pending command's output
/// is `{"step": ..., "attempt": ...}`.
///
/// A command whose control fields are invalid is rejected with the reason. ``commands`` lists
/// every command its handlers ran for (deduplicated ones do not reach them).
public final class ControllableParticipant: Sendable {
    /// The command topic of the controllable participant in the example definitions.
    public static let topic = "demo.controllable"

    /// What it does when a payload says nothing.
    public let defaults: ControllableBehavior
    private let handled = Mutex<[ParticipantCommand]>([])

    /// - Parameter defaults: what it does when a payload says nothing. Default: succeed at once.
    public init(defaults: ControllableBehavior = ControllableBehavior()) {
        self.defaults = defaults
    }

    /// Every command a handler ran for, in order.
    public var commands: [ParticipantCommand] { handled.withLock { $0 } }

    /// The same handler for every phase.
    public var handlers: ParticipantHandlers {
        let handler: ParticipantHandlers.Handler = { request in try await self.answer(request) }
        return ParticipantHandlers(pending: handler, verify: handler, approve: handler, compensate: handler)
    }

    private func answer(_ request: ParticipantRequest) async throws -> ParticipantAnswer {
        handled.withLock { $0.append(request.command) }
        let behavior: ControllableBehavior
        switch defaults.applying(payload: request.payload, step: request.step) {
        case .success(let applied): behavior = applied
        case .failure(let error): return .reject(error.description)
        }
        if behavior.delay > .zero { try await Task.sleep(for: behavior.delay) }
        if behavior.refuse.contains(request.phase) {
            return .reject("\(request.step) refuses \(request.phase.rawValue), as asked")
        }
        if request.attempt <= behavior.failAttempts {
            return .retry("\(request.step) fails attempt \(request.attempt) of \(behavior.failAttempts), as asked")
        }
        return .success(output: request.phase == .pending ? ["step": .string(request.step), "attempt": .int(Int64(request.attempt))] : nil)
    }
}
