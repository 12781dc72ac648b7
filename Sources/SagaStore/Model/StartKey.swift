/// The identity of an idempotent start: a saga type and the caller's business key.
public struct StartKey: Sendable, Hashable {
    /// The saga definition's name.
    public var sagaType: String
    /// The business key given in the start command.
    public var businessKey: String

    /// Makes a key.
    public init(sagaType: String, businessKey: String) {
        self.sagaType = sagaType
        self.businessKey = businessKey
    }
}

/// A start key to register for a saga in a ``CommitBatch``.
///
/// Registering the same key for the same saga again is a no-op; registering it for another saga
/// fails the whole batch with ``SagaStoreError/Code/startKeyConflict``.
public struct StartKeyRegistration: Sendable, Hashable {
    /// The key.
    public var key: StartKey
    /// The saga the key starts.
    public var sagaID: String

    /// Makes a registration.
    public init(key: StartKey, sagaID: String) {
        self.key = key
        self.sagaID = sagaID
    }
}

/// Details of a ``SagaStoreError/Code/startKeyConflict``.
public struct StartKeyConflict: Sendable, Hashable {
    /// The key both sagas wanted.
    public var key: StartKey
    /// The saga that holds the key.
    public var existingSagaID: String
    /// The saga the failed batch tried to register it for.
    public var attemptedSagaID: String

    /// Makes a conflict description.
    public init(key: StartKey, existingSagaID: String, attemptedSagaID: String) {
        self.key = key
        self.existingSagaID = existingSagaID
        self.attemptedSagaID = attemptedSagaID
    }
}
