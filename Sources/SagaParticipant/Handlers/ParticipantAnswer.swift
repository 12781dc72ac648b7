import SagaCore

/// A handler's answer to one command: success with an optional output, a retryable failure, or a
/// rejection. It becomes the ``ParticipantReply`` the orchestrator reads.
public struct ParticipantAnswer: Sendable, Hashable {
    /// What happened.
    public var outcome: ReplyOutcome
    /// Why, for a failure or a rejection.
    public var reason: String?
    /// The step's result; a pending command's output is handed to the steps that depend on this one.
    public var output: JSONValue?

    /// Creates an answer from its parts.
    public init(outcome: ReplyOutcome, reason: String? = nil, output: JSONValue? = nil) {
        self.outcome = outcome
        self.reason = reason
        self.output = output
    }

    /// Done. Recorded by idempotency key: a repeated command gets this answer again.
    /// - Parameter output: the step's result, if any.
    public static func success(output: JSONValue? = nil) -> Self {
        Self(outcome: .succeeded, output: output)
    }

    /// Could not do it now: the orchestrator sends the command again with backoff, up to the step's
    /// retry policy. Not recorded, so the handler runs again for the next attempt.
    /// - Parameter reason: why, for the operators.
    public static func retry(_ reason: String) -> Self {
        Self(outcome: .failedRetryable, reason: reason)
    }

    /// Refused for good: the saga compensates (for a compensate command: the saga fails and needs
    /// an operator). Recorded by idempotency key like a success.
    /// - Parameter reason: why, for the operators.
    public static func reject(_ reason: String) -> Self {
        Self(outcome: .rejected, reason: reason)
    }

    /// Whether the answer is final and so remembered for its idempotency key.
    var isFinal: Bool { outcome != .failedRetryable }
}
