import SagaCore

/// What a ``ScriptedParticipants`` answers to one command.
public struct ParticipantBehavior: Sendable {
    enum Answer: Sendable {
        case reply(ReplyOutcome, reason: String?, output: JSONValue?)
        case silent
    }

    let answer: Answer

    /// Answers `succeeded`, with an optional output.
    public static func succeed(output: JSONValue? = nil) -> Self {
        Self(answer: .reply(.succeeded, reason: nil, output: output))
    }

    /// Answers `failed-retryable` with a reason.
    public static func failRetryable(_ reason: String) -> Self {
        Self(answer: .reply(.failedRetryable, reason: reason, output: nil))
    }

    /// Answers `rejected` with a reason.
    public static func reject(_ reason: String) -> Self {
        Self(answer: .reply(.rejected, reason: reason, output: nil))
    }

    /// Does not answer (a participant that is down or lost the command).
    public static let silent = Self(answer: .silent)
}
