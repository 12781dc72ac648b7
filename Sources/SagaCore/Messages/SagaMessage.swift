/// A message of the saga contract (see `schemas/`): a versioned JSON document.
public protocol SagaMessage: Codable, Sendable, Hashable {
    /// The value of the `messageType` field and of the `saga-message-type` header.
    static var messageType: String { get }
    /// The schema file that describes the message, relative to `schemas/`.
    static var schemaFile: String { get }
    /// The first rule of the contract the message breaks beyond its JSON shape, or nil when it is valid.
    func validationProblem() -> String?
}

/// The schema version every message of this release carries in `schemaVersion`.
public let sagaSchemaVersion = 1

func checkEnvelope(messageType: String, expected: String, schemaVersion: Int) -> String? {
    if messageType != expected { return "messageType is '\(messageType)', expected '\(expected)'" }
    if schemaVersion != sagaSchemaVersion { return "schemaVersion \(schemaVersion) is not supported (this reader knows \(sagaSchemaVersion))" }
    return nil
}
