import CRdKafka
import DedicatedThreads
import Logging

/// A consumer in a Kafka consumer group, with offsets under the application's control.
///
/// Nothing is stored or committed unless the application says so (`enable.auto.commit` and
/// `enable.auto.offset.store` are off). Kafka offsets name the *next* message to read: after
/// processing a message at offset `n`, store or commit `n + 1` (``KafkaConsumerMessage/nextOffset``
/// does that).
///
/// Two ways to poll:
/// - ``poll(maxMessages:timeout:)`` blocks: call it from a thread of your own, never from the
///   cooperative pool;
/// - ``nextBatch(maxMessages:timeout:)`` is async: it runs the same poll on the consumer's own
///   I/O thread.
///
/// Rebalances are served inside the poll: the ``KafkaRebalanceHandler`` is told what was
/// assigned or revoked and supplies start offsets for new partitions; the consumer then assigns.
/// ``close()`` leaves the group cleanly (serving the revocation while it does). Dropping the
/// consumer closes it if needed and destroys it on its I/O thread.
public final class KafkaConsumer: Sendable {
    let handle: RdKafkaHandle
    let context: ConsumerState
    let thread: DedicatedThread
    let logger: Logger

    /// Creates a consumer; it joins the group at ``subscribe(topics:)``.
    /// - Parameters:
    ///   - configuration: the configuration; see ``KafkaConsumerConfiguration`` for defaults.
    ///   - rebalanceHandler: told about assignments and revocations. Default: start assigned
    ///     partitions at the committed offsets.
    ///   - logger: where librdkafka's logs and the consumer's own go.
    /// - Throws: ``KafkaError`` with librdkafka's message when a property is unknown or invalid
    ///   or the client cannot be created.
    public init(
        configuration: KafkaConsumerConfiguration,
        rebalanceHandler: KafkaRebalanceHandler = KafkaRebalanceHandler(),
        logger: Logger
    ) throws(KafkaError) {
        let conf = try RdKafkaConfiguration(properties: configuration.properties)
        let state = ConsumerState(rebalanceHandler: rebalanceHandler)
        ConsumerState.installRebalanceCallback(on: conf)
        handle = try RdKafkaHandle(
            type: RD_KAFKA_CONSUMER, configuration: conf,
            context: RdKafkaClientContext(logger: logger, consumer: state))
        self.context = state
        self.logger = logger
        // All events, including rebalances, come through the consumer poll.
        _ = rd_kafka_poll_set_consumer(handle.pointer)
        thread = DedicatedThread(name: "kafka-consumer")
    }

    deinit {
        thread.finish { [handle, context] in
            if !context.isClosed {
                context.closed.withLock { $0 = true }
                _ = rd_kafka_consumer_close(handle.pointer)
            }
            handle.destroy()
        }
    }

    /// Joins the group and subscribes to `topics` (replacing any earlier subscription).
    /// Partitions are assigned during later polls.
    /// - Parameter topics: topic names (a name starting with `^` is a regex).
    /// - Throws: ``KafkaError`` when librdkafka refuses the subscription.
    public func subscribe(topics: [String]) throws(KafkaError) {
        try checkOpen()
        let list = TopicPartitionList(capacity: topics.count)
        for topic in topics { list.add(topic: topic, partition: -1) }
        let err = rd_kafka_subscribe(handle.pointer, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "subscribe") }
    }

    /// The partitions currently assigned to this consumer, as last seen by the rebalance callback.
    public var assignment: Set<KafkaTopicPartition> { context.assignment.withLock { $0 } }

    /// The fatal error this consumer raised, if any.
    public var fatalError: KafkaError? { handle.context.fatalError }

    /// Waits until `body` has run on the consumer's I/O thread (used by the async API).
    func onThread<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        try await thread.run(body)
    }

    func checkOpen() throws(KafkaError) {
        if context.isClosed { throw .shutDown("the consumer is closed") }
    }
}
