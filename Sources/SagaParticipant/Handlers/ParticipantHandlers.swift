import SagaCore

/// The handlers of a participant, one per phase.
///
/// Only ``pending`` is required. A phase without a handler is answered ``ParticipantAnswer/success(output:)``
/// with no output: verify says "yes, I can commit", approve has nothing to commit, and compensate
/// has nothing to undo (the contract asks a participant to acknowledge a compensate command even for
/// a pending command it never saw).
///
/// A handler that throws is answered ``ParticipantAnswer/retry(_:)`` with the error's description
/// (and the error is logged), so the orchestrator tries again. Handlers run concurrently for
/// different sagas; commands of one saga reach them one at a time, in the order they were sent.
///
/// ```swift
/// let handlers = ParticipantHandlers(
///     pending: { request in
///         guard let amount = request.payload.objectValue?["amount"] else { return .reject("no amount") }
///         return .success(output: ["authorization": .string(try await bank.hold(amount))])
///     },
///     compensate: { request in
///         try await bank.release(saga: request.sagaId)
///         return .success()
///     }
/// )
/// ```
public struct ParticipantHandlers: Sendable {
    /// A phase's handler.
    public typealias Handler = @Sendable (ParticipantRequest) async throws -> ParticipantAnswer

    /// Prepares the change without committing it (the execute phase).
    public var pending: Handler
    /// Answers "can you commit?". Default: success.
    public var verify: Handler?
    /// Commits the change. Default: success.
    public var approve: Handler?
    /// Undoes what pending did. Default: success.
    public var compensate: Handler?

    /// - Parameters:
    ///   - pending: the pending handler.
    ///   - verify: the verify handler, or `nil` to answer success.
    ///   - approve: the approve handler, or `nil` to answer success.
    ///   - compensate: the compensate handler, or `nil` to answer success.
    public init(pending: @escaping Handler, verify: Handler? = nil, approve: Handler? = nil, compensate: Handler? = nil) {
        self.pending = pending
        self.verify = verify
        self.approve = approve
        self.compensate = compensate
    }

    /// The handler of `phase`, or the default (success) when none is registered.
    public func handler(for phase: SagaPhase) -> Handler {
        let registered: Handler? = switch phase {
        case .pending: pending
        case .verify: verify
        case .approve: approve
        case .compensate: compensate
        }
        return registered ?? { _ in .success() }
    }
}
