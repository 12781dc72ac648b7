import Hummingbird
import SagaRuntime

/// `GET /v1/cluster`: the orchestrator instances of the group (from their heartbeats in the
/// store, so any instance answers for all), the partitions each owns with their active sagas and
/// lag, and the participants' lag on their command topics.
struct ClusterRoutes: Sendable {
    let orchestrator: Orchestrator
    let participants: ParticipantLagReader

    struct Instance: Encodable {
        struct Partition: Encodable {
            var partition: Int32
            var activeSagas: Int
            var lag: Int64?
        }

        var instanceId: String
        var host: String
        var startedAt: String
        var lastSeen: String
        /// Seconds since its last heartbeat.
        var age: Double
        /// No heartbeat for three intervals: stopped, hung or cut off.
        var stale: Bool
        /// Whether it is the instance answering.
        var answering: Bool
        var joinedGroup: Bool?
        var shuttingDown: Bool?
        var activeSagas: Int?
        var outboxBacklog: Int?
        var intakePaused: Bool?
        var partitions: [Partition]
    }

    struct Cluster: Encodable {
        var groupId: String
        var answeredBy: String
        var generatedAt: String
        /// Heartbeat period; an instance is stale after three without one (and at least 10 s).
        var heartbeatIntervalSeconds: Double
        /// Partitions of the commands and replies topics.
        var partitionCount: Int32
        /// Partition numbers no fresh instance says it owns (a rebalance in progress, or none alive).
        var unownedPartitions: [Int32]
        var instances: [Instance]
        var participants: ParticipantLagReader.Report
    }

    func add(to router: Router<SagaRequestContext>) {
        router.get("/v1/cluster") { _, _ in try await cluster() }
    }

    private func cluster() async throws -> Response {
        let settings = orchestrator.settings
        let interval = settings.heartbeatInterval
        // Listed for a while after they stop, marked stale; forgotten after a day.
        let rows = try await orchestrator.clusterInstances(within: max(interval * 12, .seconds(60)), forgetAfter: .seconds(86_400))
        let now = Orchestrator.now
        // At least 10 s: with a short period, one heartbeat late on a busy instance is not a dead one.
        let staleAfter = max(interval.millisecondsValue * 3, 10_000)
        let own = orchestrator.identity.instanceID
        var owned = Set<Int32>()
        let instances = rows.map { row -> Instance in
            let age = now - row.heartbeat.lastSeen
            let stale = age > staleAfter || row.report?.shuttingDown == true
            let partitions = (row.report?.partitions ?? []).map { Instance.Partition(partition: $0.partition, activeSagas: $0.activeSagas, lag: $0.lag) }
            if !stale { owned.formUnion(partitions.map(\.partition)) }
            return Instance(
                instanceId: row.heartbeat.instanceID, host: row.heartbeat.host, startedAt: isoTime(row.heartbeat.startedAt),
                lastSeen: isoTime(row.heartbeat.lastSeen), age: Double(max(0, age)) / 1000, stale: stale,
                answering: row.heartbeat.instanceID == own, joinedGroup: row.report?.joinedGroup,
                shuttingDown: row.report?.shuttingDown, activeSagas: row.report?.activeSagas,
                outboxBacklog: row.report?.outboxBacklog, intakePaused: row.report?.intakePaused, partitions: partitions
            )
        }
        return try jsonResponse(Cluster(
            groupId: settings.groupID, answeredBy: own, generatedAt: isoTime(now),
            heartbeatIntervalSeconds: Double(interval.millisecondsValue) / 1000, partitionCount: settings.partitions,
            unownedPartitions: (0..<settings.partitions).filter { !owned.contains($0) },
            instances: instances, participants: await participants.report()
        ))
    }
}

extension Duration {
    /// Whole milliseconds.
    var millisecondsValue: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
