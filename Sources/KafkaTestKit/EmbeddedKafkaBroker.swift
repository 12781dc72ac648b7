import CRdKafka
import DedicatedThreads
import Kafka
import Logging

/// An in-process Kafka cluster: librdkafka's mock cluster, a real Kafka-protocol broker held in
/// memory, with consumer groups and fault injection.
///
/// Hand ``bootstrapServers`` to any Kafka client (ours, kcat, another process). Limits of
/// librdkafka 2.0.2's mock: an empty fetch waits the whole `fetch.wait.max.ms` (use
/// ``recommendedClientProperties``); each partition keeps about 5 MiB or 100,000 batches and
/// silently drops older data; no CreateTopics request (use ``createTopic(_:partitions:)``);
/// transactions are not real.
///
/// Mutating calls wait for the mock's own thread, so they run on the broker's I/O thread and are
/// `async`. Call ``shutdown()`` when done; dropping the broker also tears it down (on that thread).
public final class EmbeddedKafkaBroker: Sendable {
    /// The comma-separated `host:port` list of the cluster's brokers.
    public let bootstrapServers: String
    /// The number of brokers; their ids are `1...brokerCount`.
    public let brokerCount: Int
    private let cluster: MockCluster
    private let thread: DedicatedThread

    /// Client properties that suit the mock: short fetch waits (an empty fetch waits the whole
    /// `fetch.wait.max.ms`), quick reconnects and quick group heartbeats.
    public static let recommendedClientProperties: [String: String] = [
        "fetch.wait.max.ms": "5",
        "reconnect.backoff.ms": "50",
        "socket.nagle.disable": "true",
        "reconnect.backoff.max.ms": "500",
        "topic.metadata.refresh.interval.ms": "1000",
    ]

    /// Starts a cluster.
    /// - Parameters:
    ///   - brokerCount: how many brokers. Default 1.
    ///   - logger: where the mock's (librdkafka's) logs go.
    /// - Throws: ``KafkaError`` when the cluster cannot be created.
    public init(brokerCount: Int = 1, logger: Logger = Logger(label: "kafka.embedded-broker")) throws(KafkaError) {
        precondition(brokerCount >= 1, "a cluster has at least one broker")
        cluster = try MockCluster(brokerCount: brokerCount, logger: logger)
        self.brokerCount = brokerCount
        bootstrapServers = cluster.bootstraps
        let cluster = self.cluster
        // The handle's events (errors, logs) are served so they do not pile up.
        thread = DedicatedThread(name: "kafka-embedded-broker", idle: { cluster.events.waitAndServe() },
                               wake: { cluster.events.wake() })
    }

    deinit {
        thread.finish { [cluster] in cluster.destroy() }
    }

    /// Stops the cluster: every client connection is closed. Later calls throw a shut-down error.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            thread.finish { [cluster] in
                cluster.destroy()
                continuation.resume()
            }
        }
    }

    // MARK: - Topics

    /// Creates `topic` with `partitions` partitions (replication factor 1).
    /// - Throws: ``KafkaError`` (e.g. the topic exists already).
    public func createTopic(_ topic: String, partitions: Int32) async throws(KafkaError) {
        let cluster = self.cluster
        try await thread.run { () throws(KafkaError) in
            try cluster.check(rd_kafka_mock_topic_create(cluster.pointer, topic, partitions, 1), "create topic \(topic)")
        }
    }

    /// Makes every request about `topic` fail with `error` (0 clears it).
    public func setTopicError(_ topic: String, error: Int32) async throws(KafkaError) {
        let cluster = self.cluster
        try await thread.run { () throws(KafkaError) in
            rd_kafka_mock_topic_set_error(cluster.pointer, topic, rd_kafka_resp_err_t(rawValue: error))
        }
    }

    /// Moves the leadership of a partition to `broker`.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) async throws(KafkaError) {
        let cluster = self.cluster
        try await thread.run { () throws(KafkaError) in
            try cluster.check(rd_kafka_mock_partition_set_leader(cluster.pointer, topic, partition, broker), "set leader")
        }
    }

    // MARK: - Fault injection

    /// Takes broker `id` down: its connections close and new ones are refused. Leadership does
    /// not move by itself.
    public func setBrokerDown(_ id: Int32) async throws(KafkaError) {
        let cluster = self.cluster
        try await thread.run { () throws(KafkaError) in
            try cluster.check(rd_kafka_mock_broker_set_down(cluster.pointer, id), "broker \(id) down")
        }
    }

    /// Brings broker `id` back up.
    public func setBrokerUp(_ id: Int32) async throws(KafkaError) {
        let cluster = self.cluster
        try await thread.run { () throws(KafkaError) in
            try cluster.check(rd_kafka_mock_broker_set_up(cluster.pointer, id), "broker \(id) up")
        }
    }

    /// Delays every response of broker `id` by `rtt` (added latency; `.zero` removes it).
    public func setRoundTripTime(broker id: Int32, _ rtt: Duration) async throws(KafkaError) {
        let cluster = self.cluster
        let ms = Int32(clamping: rtt.components.seconds * 1000 + rtt.components.attoseconds / 1_000_000_000_000_000)
        try await thread.run { () throws(KafkaError) in
            try cluster.check(rd_kafka_mock_broker_set_rtt(cluster.pointer, id, ms), "broker \(id) rtt")
        }
    }

    /// Makes the next `errors.count` requests of kind `apiKey` fail, in order, with the given
    /// librdkafka error codes (`rd_kafka_resp_err_t` values, see ``MockErrorCode``).
    /// - Parameters:
    ///   - apiKey: the Kafka request kind.
    ///   - errors: error codes, one per request.
    public func pushRequestErrors(_ apiKey: KafkaAPIKey, errors: [Int32]) async throws(KafkaError) {
        let cluster = self.cluster
        try await thread.run { () throws(KafkaError) in
            let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
            codes.withUnsafeBufferPointer { buffer in
                rd_kafka_mock_push_request_errors_array(cluster.pointer, apiKey.rawValue, buffer.count, buffer.baseAddress)
            }
        }
    }

    /// Drops the pending injected errors for `apiKey`.
    public func clearRequestErrors(_ apiKey: KafkaAPIKey) async throws(KafkaError) {
        let cluster = self.cluster
        try await thread.run { () throws(KafkaError) in
            rd_kafka_mock_clear_request_errors(cluster.pointer, apiKey.rawValue)
        }
    }

    // MARK: - Client configurations

    /// A producer configuration for this broker, with ``recommendedClientProperties``.
    public func producerConfiguration() -> KafkaProducerConfiguration {
        Self.producerConfiguration(bootstrapServers: bootstrapServers)
    }

    /// A consumer configuration for this broker and `groupID`, with
    /// ``recommendedClientProperties``, quick heartbeats (200 ms) and a short session timeout
    /// (3 s): the mock waits about a session timeout for members to rejoin on a rebalance.
    public func consumerConfiguration(groupID: String) -> KafkaConsumerConfiguration {
        Self.consumerConfiguration(bootstrapServers: bootstrapServers, groupID: groupID)
    }

    /// ``producerConfiguration()`` for a mock cluster at `bootstrapServers` that this process
    /// did not start (`saga broker` in another process, say).
    public static func producerConfiguration(bootstrapServers: String) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])
        configuration.additionalProperties = recommendedClientProperties
            .filter { $0.key != "fetch.wait.max.ms" }
        return configuration
    }

    /// ``consumerConfiguration(groupID:)`` for a mock cluster at `bootstrapServers` that this
    /// process did not start (`saga broker` in another process, say).
    public static func consumerConfiguration(bootstrapServers: String, groupID: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: [bootstrapServers], groupID: groupID)
        configuration.fetchWaitMax = .milliseconds(5)
        configuration.sessionTimeout = .seconds(3)
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.additionalProperties = recommendedClientProperties
            .filter { $0.key != "fetch.wait.max.ms" }
        return configuration
    }
}
