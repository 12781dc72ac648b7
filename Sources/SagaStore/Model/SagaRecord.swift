/// One saga as the store keeps it. The store does not interpret ``state``: it is the saga core's
/// encoded snapshot. All times are milliseconds since the Unix epoch.
public struct SagaRecord: Sendable, Hashable {
    /// The saga id; also the Kafka key of every message about this saga.
    public var id: String
    /// The saga definition's name.
    public var type: String
    /// The saga definition's version.
    public var version: Int
    /// The partition number the saga's inputs land on (its single writer).
    public var partition: Int32
    /// The saga's status, for operators: the core's `executing`, `verifying`, `approving`,
    /// `compensating`, `completed`, `compensated` or `failed`, or ``quarantinedStatus``. The store
    /// does not interpret it.
    public var status: String
    /// Whether the saga has finished for good (`completed` or `compensated`): terminal sagas are
    /// not loaded on assignment and are purged after the retention. `failed` is not terminal: it
    /// waits for an operator, and may still end `compensated`.
    public var isTerminal: Bool

    /// The status of a saga set aside because its stored state cannot be read (or a transition of
    /// it could not be written): the orchestrator dead-letters its inputs until an operator acts.
    public static let quarantinedStatus = "quarantined"
    /// The business key the saga was started with, if any.
    public var businessKey: String?
    /// When the saga's next timer fires, if it has one.
    public var nextDeadline: Int64?
    /// When the saga was created; kept from the first write on later upserts.
    public var createdAt: Int64
    /// When the saga was last changed.
    public var updatedAt: Int64
    /// The saga core's encoded snapshot.
    public var state: [UInt8]

    /// Makes a record; see the properties for each field.
    public init(
        id: String,
        type: String,
        version: Int,
        partition: Int32,
        status: String,
        isTerminal: Bool,
        businessKey: String? = nil,
        nextDeadline: Int64? = nil,
        createdAt: Int64,
        updatedAt: Int64,
        state: [UInt8]
    ) {
        self.id = id
        self.type = type
        self.version = version
        self.partition = partition
        self.status = status
        self.isTerminal = isTerminal
        self.businessKey = businessKey
        self.nextDeadline = nextDeadline
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.state = state
    }
}
