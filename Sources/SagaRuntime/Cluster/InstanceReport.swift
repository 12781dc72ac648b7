import Foundation
import SagaStore

/// What an orchestrator instance writes in its heartbeat (the JSON of ``InstanceHeartbeat/status``)
/// and `GET /v1/cluster` shows for it.
public struct InstanceReport: Codable, Sendable, Hashable {
    /// One owned partition.
    public struct Partition: Codable, Sendable, Hashable {
        /// The partition number.
        public var partition: Int32
        /// Its active sagas held in memory.
        public var activeSagas: Int
        /// Its unread input messages (commands and replies); `nil` before the first fetch.
        public var lag: Int64?
    }

    /// The consumer group the instance is in.
    public var groupID: String
    /// Whether it has joined the group.
    public var joinedGroup: Bool
    /// Whether its graceful shutdown has begun (its last heartbeat says so).
    public var shuttingDown: Bool
    /// Active sagas in memory, every partition.
    public var activeSagas: Int
    /// Outbox messages committed and not yet published.
    public var outboxBacklog: Int
    /// Whether intake of start commands is paused at the active-saga bound.
    public var intakePaused: Bool
    /// Its owned partitions, by number.
    public var partitions: [Partition]

    /// The report of a status.
    public init(status: OrchestratorStatus, groupID: String) {
        self.groupID = groupID
        joinedGroup = status.joinedGroup
        shuttingDown = status.shuttingDown || !status.running
        activeSagas = status.activeSagas
        outboxBacklog = status.outboxBacklog
        intakePaused = status.intakePaused
        partitions = status.partitions.map { Partition(partition: $0.partition, activeSagas: $0.activeSagas, lag: $0.lag) }
    }

    /// The JSON document stored in a heartbeat.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(self))
    }

    /// Reads a heartbeat's document; `nil` when it is not one (a newer or older version's).
    public static func decode(_ bytes: [UInt8]) -> InstanceReport? {
        try? JSONDecoder().decode(InstanceReport.self, from: Data(bytes))
    }
}
