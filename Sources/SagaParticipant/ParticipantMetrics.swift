import Synchronization

/// Counters of a ``ParticipantService``, read as a ``Snapshot``.
public final class ParticipantMetrics: Sendable {
    /// The counters at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Commands whose handler ran (or the phase's default answered).
        public var handled = 0
        /// Commands answered from the dedupe store without running the handler.
        public var duplicates = 0
        /// Handlers that threw (answered as retryable failures).
        public var handlerErrors = 0
        /// Replies the broker acknowledged.
        public var repliesSent = 0
        /// Malformed commands the broker acknowledged on the dead-letter topic.
        public var deadLettered = 0
        /// Times a command was handled again because its answer was not delivered (or the dedupe
        /// store failed).
        public var redeliveries = 0
        /// Offset commits that succeeded.
        public var commits = 0
    }

    private let counters = Mutex(Snapshot())

    init() {}

    /// The counters now.
    public var snapshot: Snapshot { counters.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        counters.withLock { body(&$0) }
    }
}
