/// A client's request to start a saga.
public struct StartSagaCommand: SagaMessage {
    /// What to do when a saga with the same id, or the same (type, business key), already exists.
    public enum ConflictPolicy: String, Hashable, Sendable, Codable {
        /// Refuse the duplicate (a `startRejected` progress event names the existing saga).
        case reject
        /// Answer with the existing saga (a `startDeduplicated` progress event carries its state).
        case returnExisting = "return-existing"
    }

    public static let messageType = "saga.start"
    public static let schemaFile = "start-saga.v1.json"

    /// Always ``messageType``.
    public var messageType: String = StartSagaCommand.messageType
    /// Always ``sagaSchemaVersion``.
    public var schemaVersion: Int = sagaSchemaVersion
    /// The saga type to run.
    public var sagaType: String
    /// The definition version; the latest registered one when absent.
    public var sagaVersion: Int?
    /// The saga id; derived from (type, business key) when absent (see ``SagaStart/derivedSagaID(sagaType:businessKey:)``).
    public var sagaId: String?
    /// The business key that makes the start idempotent, for example an order number.
    public var businessKey: String?
    /// The saga's input, handed to every participant command. Default: `{}`.
    public var payload: JSONValue
    /// What to do with a duplicate. Default: `return-existing`.
    public var onConflict: ConflictPolicy?

    /// Creates a start command.
    public init(
        sagaType: String,
        sagaVersion: Int? = nil,
        sagaId: String? = nil,
        businessKey: String? = nil,
        payload: JSONValue = .emptyObject,
        onConflict: ConflictPolicy? = nil
    ) {
        self.sagaType = sagaType
        self.sagaVersion = sagaVersion
        self.sagaId = sagaId
        self.businessKey = businessKey
        self.payload = payload
        self.onConflict = onConflict
    }

    /// The conflict policy in force: ``ConflictPolicy/returnExisting`` when absent.
    public var conflictPolicy: ConflictPolicy { onConflict ?? .returnExisting }

    public func validationProblem() -> String? {
        if let problem = checkEnvelope(messageType: messageType, expected: Self.messageType, schemaVersion: schemaVersion) { return problem }
        if sagaType.isEmpty { return "sagaType must not be empty" }
        if let sagaVersion, sagaVersion < 1 { return "sagaVersion must be 1 or more" }
        if let sagaId, sagaId.isEmpty { return "sagaId must not be empty when present" }
        if let businessKey, businessKey.isEmpty { return "businessKey must not be empty when present" }
        if payload.objectValue == nil { return "payload must be a JSON object" }
        return nil
    }
}
