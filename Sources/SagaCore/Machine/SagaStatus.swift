/// Where a saga is in its life.
public enum SagaStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Sending pending commands in dependency order.
    case executing
    /// Sending verify commands.
    case verifying
    /// Sending approve commands.
    case approving
    /// Sending compensate commands in reverse dependency order.
    case compensating
    /// Every step approved. Final.
    case completed
    /// Every step that was sent a pending command compensated. Final.
    case compensated
    /// A participant refused compensation for good: needs an operator (retry the step or force it).
    case failed

    /// The phase whose commands the saga sends in this status.
    @inlinable
    public var phase: SagaPhase {
        switch self {
        case .executing: return .pending
        case .verifying: return .verify
        case .approving: return .approve
        case .compensating, .completed, .compensated, .failed: return .compensate
        }
    }

    /// Whether the saga is going forward (executing, verifying or approving).
    @inlinable
    public var isForward: Bool { self == .executing || self == .verifying || self == .approving }

    /// Whether the saga is over for good (completed or compensated).
    @inlinable
    public var isTerminal: Bool { self == .completed || self == .compensated }

    /// Whether nothing more happens without an operator (completed, compensated or failed).
    @inlinable
    public var isSettled: Bool { isTerminal || self == .failed }
}
