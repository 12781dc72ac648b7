import SagaConcurrency

/// What a running ``Orchestrator`` says about itself, for health and readiness probes: read-only,
/// a copy taken at one moment (see ``Orchestrator/status``).
public struct OrchestratorStatus: Sendable, Hashable {
    /// Whether ``Orchestrator/run()`` is running (it has started and not returned).
    public var running = false
    /// When the loop last finished a turn (poll, apply, commit); `nil` before the first.
    public var lastTurn: ContinuousClock.Instant?
    /// Whether the consumer has joined its group and been given its assignment (which may be
    /// empty, when the group has no partitions for it).
    public var joinedGroup = false
    /// Partition numbers owned now.
    public var ownedPartitions = 0
    /// Non-terminal sagas held in memory now.
    public var activeSagas = 0
    /// Whether intake of start commands is paused by the active-saga bound.
    public var intakePaused = false
    /// Whether graceful shutdown has begun (intake stopped, the last batch draining).
    public var shuttingDown = false
    /// Outbox messages committed but not yet published.
    public var outboxBacklog = 0
    /// Each owned partition, by number: refreshed about once a second (so it may trail
    /// ``ownedPartitions`` by that much).
    public var partitions: [PartitionStatus] = []

    /// One owned partition, as ``OrchestratorStatus/partitions`` lists it.
    public struct PartitionStatus: Sendable, Hashable {
        /// The partition number (of the commands and replies topics).
        public var partition: Int32
        /// Non-terminal sagas of the partition held in memory.
        public var activeSagas: Int
        /// Messages of the partition's input topics not read yet (commands and replies), as
        /// last learned from the broker; `nil` before the first fetch.
        public var lag: Int64?

        /// Makes a partition status.
        public init(partition: Int32, activeSagas: Int, lag: Int64?) {
            self.partition = partition
            self.activeSagas = activeSagas
            self.lag = lag
        }
    }

    /// Creates a status; every field has its default (not running).
    public init() {}

    /// Whether the loop turned within `bound` of `now`.
    public func isLive(within bound: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        guard running, let lastTurn else { return false }
        return now - lastTurn <= bound
    }
}

/// The shared cell the loop writes and the probes read; tests and tools wait on it
/// (``Orchestrator/waitForStatus(within:until:)``) instead of polling.
final class OrchestratorStatusCell: Sendable {
    private let state = Watched(OrchestratorStatus())

    var value: OrchestratorStatus { state.value }

    func update(_ body: (inout OrchestratorStatus) -> Void) {
        state.update { body(&$0) }
    }

    /// Returns the status once `condition` holds, or `nil` when `timeout` passed first (or the
    /// task was cancelled).
    func wait(
        within timeout: Duration, until condition: @escaping @Sendable (OrchestratorStatus) -> Bool
    ) async -> OrchestratorStatus? {
        guard await state.wait(until: condition, within: timeout) else { return nil }
        return state.value
    }
}
