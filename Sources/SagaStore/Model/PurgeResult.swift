/// What ``SagaStore/purge(finishedBefore:)`` deleted.
public struct PurgeResult: Sendable, Hashable {
    /// Terminal sagas deleted.
    public var sagas: Int
    /// Start keys deleted (those of the deleted sagas, and any whose saga no longer exists).
    public var startKeys: Int
    /// Outbox rows deleted that an instance of an older version had marked sent.
    public var outboxRows: Int

    /// Makes a result; normally only stores do.
    public init(sagas: Int, startKeys: Int, outboxRows: Int) {
        self.sagas = sagas
        self.startKeys = startKeys
        self.outboxRows = outboxRows
    }
}
