/// What one orchestrator instance last said about itself in the store: how `GET /v1/cluster`
/// lists the instances of a group, whichever instance answers.
public struct InstanceHeartbeat: Sendable, Hashable {
    /// The instance's id (unique per process run).
    public var instanceID: String
    /// The host it runs on.
    public var host: String
    /// When it started, in milliseconds since the Unix epoch.
    public var startedAt: Int64
    /// When it last wrote its heartbeat, in milliseconds since the Unix epoch.
    public var lastSeen: Int64
    /// Its status as a JSON document (owned partitions with their active sagas and lag, outbox
    /// backlog, ...); the store keeps it as given.
    public var status: [UInt8]

    /// Makes a heartbeat; see the properties for each field.
    public init(instanceID: String, host: String, startedAt: Int64, lastSeen: Int64, status: [UInt8]) {
        self.instanceID = instanceID
        self.host = host
        self.startedAt = startedAt
        self.lastSeen = lastSeen
        self.status = status
    }
}
