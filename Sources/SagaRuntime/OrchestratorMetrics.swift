import Synchronization

/// Counters an ``Orchestrator`` keeps, readable from any task (for an admin surface, a benchmark
/// or a test).
public final class OrchestratorMetrics: Sendable {
    /// A copy of the counters at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Sagas started on this instance.
        public var started = 0
        /// Sagas that reached `completed`.
        public var completed = 0
        /// Sagas that reached `compensated`.
        public var compensated = 0
        /// Inputs sent to the dead-letter topic.
        public var deadLettered = 0
        /// Inputs that changed nothing (duplicate or stale replies, duplicate starts).
        public var ignored = 0
        /// Non-terminal sagas in memory now.
        public var activeSagas = 0
        /// Partition numbers owned now.
        public var ownedPartitions = 0
        /// Store transactions committed.
        public var commits = 0
        /// Outbox messages published.
        public var published = 0
        /// Commits refused because another instance took the partition.
        public var fenced = 0
        /// Whether intake of start commands is paused by the active-saga bound.
        public var intakePaused = false
    }

    private let state = Mutex(Snapshot())

    /// Creates zeroed counters.
    public init() {}

    /// The counters now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}
