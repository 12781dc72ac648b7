import SagaStore

extension Orchestrator {
    /// Who this instance is in its heartbeats.
    public struct Identity: Sendable, Hashable {
        /// Unique per process run: the host, the process id and a random suffix.
        public var instanceID: String
        /// The host name.
        public var host: String
        /// When the orchestrator was made, in milliseconds since the Unix epoch.
        public var startedAt: Int64
    }

    /// One instance as the store's heartbeats list it.
    public struct ClusterInstance: Sendable {
        /// Its heartbeat row.
        public var heartbeat: InstanceHeartbeat
        /// Its report, when this version can read it.
        public var report: InstanceReport?
    }

    /// The instances whose heartbeat is at most `within` old (rows older than `forgetAfter` are
    /// deleted), this one included once it wrote its first.
    public func clusterInstances(within: Duration, forgetAfter: Duration) async throws -> [ClusterInstance] {
        let now = OrchestratorLoop.wallClock()
        let rows = try await store.instances(
            seenSince: now - within.wholeMillisecondsValue, forgetBefore: now - forgetAfter.wholeMilliseconds
        )
        return rows.map { ClusterInstance(heartbeat: $0, report: InstanceReport.decode($0.status)) }
    }

    /// A saga's progress history (oldest first), as the store kept it.
    public func progressHistory(sagaID: String) async throws -> [ProgressEntry] {
        try await store.progressHistory(sagaID: sagaID)
    }

    /// Sagas finished at or after `since` (milliseconds since the Unix epoch) per type and status.
    public func outcomeCounts(finishedSince since: Int64) async throws -> [OutcomeCount] {
        try await store.outcomeCounts(finishedSince: since)
    }

    /// Step reply latencies from the progress history at or after `since`, the newest `limit`.
    public func stepLatencies(since: Int64, limit: Int) async throws -> [StepLatency] {
        try await store.stepLatencies(since: since, limit: limit)
    }

    /// The current time as the orchestrator reads it, in milliseconds since the Unix epoch.
    public static var now: Int64 { OrchestratorLoop.wallClock() }
}
