/// An operator's control of one saga.
public struct ControlCommand: SagaMessage {
    /// What the operator asks for.
    public enum Action: String, Hashable, Sendable, Codable, CaseIterable {
        /// Stop the saga and compensate what it did.
        case cancel
        /// Send no new commands until resumed; replies are still recorded.
        case pause
        /// Undo a pause and send what is due.
        case resume
        /// Retry `step` now: skip its backoff, or restart its refused compensation with fresh attempts.
        case retry
        /// Without `step`: compensate the saga now. With `step`: mark that step's compensation as done by hand (force).
        case compensate
    }

    public static let messageType = "saga.control"
    public static let schemaFile = "control.v1.json"

    /// Always ``messageType``.
    public var messageType: String = ControlCommand.messageType
    /// Always ``sagaSchemaVersion``.
    public var schemaVersion: Int = sagaSchemaVersion
    /// The saga to control.
    public var sagaId: String
    /// What to do.
    public var action: Action
    /// The step, for `retry` (required) and a forced `compensate` (optional).
    public var step: String?
    /// Why, for the progress events and the saga's record.
    public var reason: String?
    /// Who asked, for the audit trail.
    public var requestedBy: String?

    /// Creates a control command.
    public init(sagaId: String, action: Action, step: String? = nil, reason: String? = nil, requestedBy: String? = nil) {
        self.sagaId = sagaId
        self.action = action
        self.step = step
        self.reason = reason
        self.requestedBy = requestedBy
    }

    public func validationProblem() -> String? {
        if let problem = checkEnvelope(messageType: messageType, expected: Self.messageType, schemaVersion: schemaVersion) { return problem }
        if sagaId.isEmpty { return "sagaId must not be empty" }
        if action == .retry && (step ?? "").isEmpty { return "retry needs a step" }
        if let step, step.isEmpty { return "step must not be empty when present" }
        return nil
    }
}
