/// The phase a participant command belongs to.
public enum SagaPhase: String, Hashable, Sendable, Codable, CaseIterable {
    /// Prepare the change, do not commit (the execute phase).
    case pending
    /// Can you commit?
    case verify
    /// Commit.
    case approve
    /// Undo what pending did.
    case compensate
}

/// What a participant says about one command.
public enum ReplyOutcome: String, Hashable, Sendable, Codable, CaseIterable {
    /// Done; `output` (if any) is handed to the steps that depend on this one.
    case succeeded
    /// Failed for now; the orchestrator retries the same (step, phase) with backoff.
    case failedRetryable = "failed-retryable"
    /// Refused for good: the saga compensates (or, for a compensate command, needs attention).
    case rejected
}
