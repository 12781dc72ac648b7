/// What ``SagaStore/purge(finishedBefore:sentOutboxBefore:)`` deleted.
public struct PurgeResult: Sendable, Hashable {
    /// Terminal sagas deleted.
    public var sagas: Int
    /// Start keys deleted (those of the deleted sagas, and any whose saga no longer exists).
    public var startKeys: Int
    /// Sent outbox rows deleted.
    public var outboxRows: Int

    /// Makes a result; normally only stores do.
    public init(sagas: Int, startKeys: Int, outboxRows: Int) {
        self.sagas = sagas
        self.startKeys = startKeys
        self.outboxRows = outboxRows
    }
}
