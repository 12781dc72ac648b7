/// The phases a step takes part in. Every step takes part in `execute` (the pending command);
/// `verify` and `approve` can be left out for a step that has nothing to check or commit.
public struct StepPhases: OptionSet, Hashable, Sendable, Codable {
    /// The bits of the set.
    public let rawValue: UInt8

    /// A set from its bits.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The pending command (prepare, do not commit).
    public static let execute = StepPhases(rawValue: 1)
    /// The verify command (can you commit?).
    public static let verify = StepPhases(rawValue: 2)
    /// The approve command (commit).
    public static let approve = StepPhases(rawValue: 4)
    /// All three: the default.
    public static let all: StepPhases = [.execute, .verify, .approve]

    /// Whether the step takes part in `phase` (compensation applies to every step that was sent a pending command).
    @inlinable
    public func includes(_ phase: SagaPhase) -> Bool {
        switch phase {
        case .pending: return contains(.execute)
        case .verify: return contains(.verify)
        case .approve: return contains(.approve)
        case .compensate: return true
        }
    }
}
