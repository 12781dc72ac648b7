/// Configuration of a ``KafkaConsumer`` in a consumer group.
///
/// Offsets are never stored or committed behind the application's back: the consumer always
/// runs with `enable.auto.commit=false` and `enable.auto.offset.store=false`, whatever
/// ``additionalProperties`` says. ``additionalProperties`` passes any other librdkafka property
/// through and wins over the typed fields; an unknown or invalid one makes the consumer's
/// initializer throw librdkafka's own message.
public struct KafkaConsumerConfiguration: Sendable {
    /// The partition assignment strategies of the group (`partition.assignment.strategy`).
    public struct AssignmentStrategy: Sendable, Hashable {
        /// The value given to librdkafka.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }
        /// Eager `range` then `roundrobin` (librdkafka's default).
        public static let rangeRoundRobin = AssignmentStrategy("range,roundrobin")
        /// Eager `range`.
        public static let range = AssignmentStrategy("range")
        /// Eager `roundrobin`.
        public static let roundRobin = AssignmentStrategy("roundrobin")
        /// Incremental `cooperative-sticky`: only moved partitions are revoked.
        public static let cooperativeSticky = AssignmentStrategy("cooperative-sticky")
    }

    /// `bootstrap.servers`. No default.
    public var bootstrapServers: [String]
    /// `group.id`. No default.
    public var groupID: String
    /// `client.id`. Default `"saga"`.
    public var clientID: String = "saga"
    /// `session.timeout.ms`: how long the group waits for a silent member before moving its
    /// partitions. Default 45 s.
    public var sessionTimeout: Duration = .seconds(45)
    /// `heartbeat.interval.ms`. Default 3 s.
    public var heartbeatInterval: Duration = .seconds(3)
    /// `max.poll.interval.ms`: the longest time allowed between two polls before the member is
    /// dropped from the group. Default 300 s.
    public var maxPollInterval: Duration = .seconds(300)
    /// `fetch.wait.max.ms`: how long the broker may hold a fetch that has no data. Default 500 ms;
    /// use 1–10 ms against the embedded (mock) broker, which always waits this long.
    public var fetchWaitMax: Duration = .milliseconds(500)
    /// `auto.offset.reset`: where to start in a partition with no committed offset.
    /// Default ``KafkaAutoOffsetReset/earliest`` (librdkafka's own default is `latest`).
    public var autoOffsetReset: KafkaAutoOffsetReset = .earliest
    /// `partition.assignment.strategy`. Default ``AssignmentStrategy/rangeRoundRobin``.
    public var assignmentStrategy: AssignmentStrategy = .rangeRoundRobin
    /// `queued.max.messages.kbytes`: most kilobytes prefetched and not yet polled, all partitions
    /// together. Default 65,536 KiB.
    public var queuedMaxKilobytes: Int = 65_536
    /// `queued.min.messages`: librdkafka stops fetching while this many messages wait to be
    /// polled. Default 1,000,000 (librdkafka's is 100,000). librdkafka 2.0.2 counts the
    /// consumer's one queue, which holds every assigned partition's messages, and after a pause
    /// for this reason resumes fetching only on its broker thread's next one-second wake-up; a
    /// higher count keeps a fast consumer from stalling. ``queuedMaxKilobytes`` still bounds
    /// the memory.
    public var queuedMinMessages: Int = 1_000_000
    /// Any other librdkafka property, applied after the typed fields. Default empty.
    public var additionalProperties: [String: String] = [:]

    /// - Parameters:
    ///   - bootstrapServers: `host:port` of one or more brokers.
    ///   - groupID: the consumer group.
    public init(bootstrapServers: [String], groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// The librdkafka properties this configuration stands for.
    public var properties: [String: String] {
        var properties: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "group.id": groupID,
            "client.id": clientID,
            "session.timeout.ms": "\(sessionTimeout.wholeMilliseconds)",
            "heartbeat.interval.ms": "\(heartbeatInterval.wholeMilliseconds)",
            "max.poll.interval.ms": "\(maxPollInterval.wholeMilliseconds)",
            "fetch.wait.max.ms": "\(fetchWaitMax.wholeMilliseconds)",
            "auto.offset.reset": autoOffsetReset.rawValue,
            "partition.assignment.strategy": assignmentStrategy.rawValue,
            "queued.max.messages.kbytes": "\(queuedMaxKilobytes)",
            "queued.min.messages": "\(queuedMinMessages)",
        ]
        properties.merge(additionalProperties) { _, new in new }
        properties["enable.auto.commit"] = "false"
        properties["enable.auto.offset.store"] = "false"
        return properties
    }
}
