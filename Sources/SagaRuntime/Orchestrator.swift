import CoreMetrics
import Foundation
import Kafka
import Logging
import SagaCore
import SagaStore
import ServiceLifecycle

/// The orchestrator service: consumes start commands, controls and replies, drives each saga
/// through the core's state machine, and publishes participant commands and progress events.
///
/// Exactly-once state transitions: the offsets of the inputs of a poll batch are written in the
/// same store transaction as the saga states they changed and the outbox rows they produced;
/// on assignment each partition is sought to the offsets the store recorded. The outbox is
/// relayed right after each commit (at least once: participants deduplicate by idempotency key).
/// Taking a partition bumps its epoch in the store, and every commit checks it, so an instance
/// that lost a partition can no longer write for it.
///
/// Run it in a `ServiceGroup`: on graceful shutdown it stops intake, finishes the batch in
/// flight, relays what it committed and leaves the consumer group.
public final class Orchestrator: Service, Sendable {
    private let configuration: OrchestratorConfiguration
    private let registry: SagaRegistry
    let store: any SagaStore
    private let logger: Logger
    private let instruments: OrchestratorInstruments
    private let statusCell = OrchestratorStatusCell()
    /// Who this instance is in its heartbeats (see ``clusterInstances(within:forgetAfter:)``).
    public let identity: Identity

    /// - Parameters:
    ///   - configuration: connection, topics and limits.
    ///   - registry: the saga definitions this instance can run.
    ///   - store: the saga store (its lifetime is the caller's: the orchestrator does not close it).
    ///   - logger: where the orchestrator logs.
    ///   - metricsFactory: where its swift-metrics instruments are made (see
    ///     ``OrchestratorInstruments``); default: the process's bootstrapped `MetricsSystem`.
    public init(
        configuration: OrchestratorConfiguration, registry: SagaRegistry, store: any SagaStore, logger: Logger,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.configuration = configuration
        self.registry = registry
        self.store = store
        self.logger = logger
        self.instruments = OrchestratorInstruments(factory: metricsFactory ?? MetricsSystem.factory)
        let host = ProcessInfo.processInfo.hostName
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        self.identity = Identity(
            instanceID: "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)", host: host, startedAt: OrchestratorLoop.wallClock()
        )
    }

    // MARK: - Read-only views, for an operations surface

    /// Liveness and readiness facts, at this moment.
    public var status: OrchestratorStatus { statusCell.value }

    /// Waits until the status satisfies `condition` (at once if it does now), woken by each
    /// change of the status rather than polling it.
    /// - Parameters:
    ///   - timeout: How long to wait at most.
    ///   - condition: Checked on every change of the status; keep it cheap.
    /// - Returns: The status that satisfied `condition` (read just after), or `nil` when
    ///   `timeout` passed first or the task was cancelled.
    public func waitForStatus(
        within timeout: Duration, until condition: @escaping @Sendable (OrchestratorStatus) -> Bool
    ) async -> OrchestratorStatus? {
        await statusCell.wait(within: timeout, until: condition)
    }

    /// The saga definitions this instance runs.
    public var definitions: SagaRegistry { registry }

    /// The topics, partition count and limits it runs with.
    public var settings: OrchestratorConfiguration { configuration }

    /// Asks the store a trivial question (its schema version), to show it answers.
    /// - Throws: the store's error when it does not.
    public func pingStore() async throws {
        _ = try await store.schemaVersion()
    }

    /// Runs until graceful shutdown or cancellation.
    /// - Throws: ``OrchestratorError`` when Kafka or the store fails in a way it cannot continue from.
    public func run() async throws {
        statusCell.update { $0 = OrchestratorStatus(); $0.running = true }
        defer { statusCell.update { $0.running = false } }
        // The store is a Service of its own, usually started just before this one in the group.
        do {
            try await store.waitUntilRunning(within: Self.storeStartTimeout)
        } catch let error as SagaStoreError {
            throw OrchestratorError.store("the store is not running", cause: error)
        }
        if configuration.createTopics {
            try await createTopics()
        }
        let producer: KafkaProducer
        let consumer: KafkaConsumer
        let bridge = RebalanceBridge(logger: logger)
        do {
            producer = try KafkaProducer(configuration: producerConfiguration(), logger: logger)
            consumer = try KafkaConsumer(configuration: consumerConfiguration(), rebalanceHandler: bridge.handler, logger: logger)
            try consumer.subscribe(topics: configuration.topics.inputs)
        } catch {
            throw OrchestratorError.kafka("cannot create the Kafka clients", cause: error)
        }
        logger.info("orchestrator started", metadata: [
            "bootstrap": "\(configuration.bootstrapServers.joined(separator: ","))",
            "group": "\(configuration.groupID)",
            "definitions": "\(registry.versions.map { "\($0.type)@\($0.version)" }.joined(separator: ","))",
        ])

        let relay = OutboxRelay(
            producer: producer, topics: configuration.topics, deadLetterCopyBytes: configuration.deadLetterCopyBytes,
            store: store, instruments: instruments, logger: logger
        )
        var loop = OrchestratorLoop(
            configuration: configuration, registry: registry, store: store,
            consumer: consumer, producer: producer, bridge: bridge, relay: relay,
            instruments: instruments, status: statusCell, logger: logger
        )
        let store = self.store
        let logger = self.logger
        let offsetCheck = recordedOffsetCheck()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await bridge.serve(store: store, clock: OrchestratorLoop.wallClock, offsetCheck: offsetCheck) }
            group.addTask {
                do {
                    try await relay.run()
                } catch where relay.isStopped {
                    // Cut short by a shutdown that could not wait any longer: its rows stay in the
                    // outbox for the partitions' next owner.
                    logger.debug("relay stopped before publishing everything", metadata: ["error": "\(error)"])
                }
            }
            let definitions = registry.versions.compactMap { registry.plan(type: $0.type, version: $0.version)?.definition }
            let definitionsTopic = configuration.topics.definitions
            group.addTask { await Self.publishDefinitions(definitions, topic: definitionsTopic, producer: producer, logger: logger) }
            let statusCell = self.statusCell
            let groupID = configuration.groupID
            let heartbeat = HeartbeatWriter(
                identity: identity, interval: configuration.heartbeatInterval, store: store, logger: logger,
                report: { InstanceReport(status: statusCell.value, groupID: groupID) }
            )
            group.addTask { await heartbeat.run() }
            defer {
                bridge.finish()
                relay.finish()
                heartbeat.finish()
            }
            do {
                try await loop.run()
            } catch {
                logger.error("orchestrator stopping on error", metadata: ["error": "\(error)"])
                try? await consumer.close()
                await producer.shutdown(flushTimeout: .seconds(5))
                throw error
            }
            // Graceful: the batch in flight is committed; publish what it committed (within the
            // drain bound, even while Kafka refuses it), leave the group, then stop.
            statusCell.update { $0.shuttingDown = true }
            relay.finish()
            await relay.drained(within: configuration.shutdownDrainTimeout)
            let left = relay.backlog
            if left > 0 {
                logger.warning("stopping with outbox rows not yet published; the partitions' next owner publishes them", metadata: [
                    "rows": "\(left)", "drainTimeout": "\(configuration.shutdownDrainTimeout)",
                ])
            }
            do {
                try await consumer.close()
            } catch {
                logger.warning("leaving the consumer group failed", metadata: ["error": "\(error)"])
            }
            if left > 0 {
                // Whatever the relay still waits for is purged by the producer's shutdown, which
                // ends it; it must not throw for that.
                relay.stop()
                await producer.shutdown(flushTimeout: .zero)
                group.cancelAll()
            } else {
                await producer.shutdown(flushTimeout: .seconds(1))
            }
            logger.info("orchestrator stopped")
        }
    }

    // MARK: - Setup

    func producerConfiguration() -> KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(bootstrapServers: configuration.bootstrapServers)
        producer.clientID = configuration.clientID
        producer.acks = .all
        producer.enableIdempotence = true
        producer.linger = configuration.linger
        // One property set serves every client: leave out what only a consumer understands, so
        // librdkafka does not warn about it on the producer.
        producer.additionalProperties = Self.lowLatencyDefaults.merging(configuration.kafkaProperties.filter { key, _ in
            !Self.consumerOnlyPrefixes.contains { key.hasPrefix($0) }
        }) { _, given in given }
        return producer
    }

    /// Compares the offsets the store recorded with each topic's end on assignment, through an
    /// admin client of its own (the consumer's thread is busy serving the rebalance); `nil`, and
    /// no check, when that client cannot be made.
    private func recordedOffsetCheck() -> RecordedOffsetCheck? {
        let admin = adminConfiguration(clientID: configuration.clientID)
        guard let client = try? KafkaAdminClient(configuration: admin, logger: logger) else { return nil }
        return RecordedOffsetCheck(endOffset: { try await client.watermarks(of: $0, timeout: .seconds(5)).high }, logger: logger)
    }

    /// An admin client's configuration: the brokers and the Kafka properties an admin client takes.
    /// - Parameter clientID: the client id.
    public func adminConfiguration(clientID: String) -> KafkaAdminConfiguration {
        var admin = KafkaAdminConfiguration(bootstrapServers: configuration.bootstrapServers)
        admin.clientID = clientID
        admin.additionalProperties = Self.lowLatencyDefaults.merging(configuration.kafkaProperties.filter { key, _ in
            !Self.consumerOnlyPrefixes.contains { key.hasPrefix($0) }
        }) { _, given in given }
        return admin
    }

    /// The definitions topic, compacted with one partition, when the cluster lacks it.
    private func missingDefinitionsTopic(_ client: KafkaAdminClient) async -> [KafkaNewTopic] {
        let topic = KafkaNewTopic(
            name: configuration.topics.definitions, partitionCount: 1, replicationFactor: configuration.replicationFactor,
            configs: ["cleanup.policy": "compact"]
        )
        do {
            return try await client.partitions(of: topic.name, timeout: .seconds(10)).isEmpty ? [topic] : []
        } catch where Self.isUnknownTopic(error) {
            return [topic]
        } catch {
            return []
        }
    }

    private static func isUnknownTopic(_ error: KafkaError) -> Bool {
        error.rdKafkaCodeName == "UNKNOWN_TOPIC_OR_PART" || error.rdKafkaCodeName == "_UNKNOWN_TOPIC"
    }

    /// Every hop of a saga is a small request: with Nagle's algorithm on, a small write can wait
    /// for the peer's delayed ACK (40 ms on Linux). Given properties override it.
    /// How long ``run()`` waits for its store's `run()` to start before failing.
    static let storeStartTimeout: Duration = .seconds(30)

    private static let lowLatencyDefaults = ["socket.nagle.disable": "true"]

    private static let consumerOnlyPrefixes = [
        "fetch.", "group.", "session.timeout.ms", "heartbeat.interval.ms", "auto.offset.reset", "enable.auto.",
        "max.poll.interval.ms", "partition.assignment.strategy", "queued.", "isolation.level", "auto.commit.",
    ]

    func consumerConfiguration() -> KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(bootstrapServers: configuration.bootstrapServers, groupID: configuration.groupID)
        consumer.clientID = configuration.clientID
        // Range keeps partition p of the commands and replies topics on the same instance: both
        // topics have the same partition count and every member subscribes to both.
        consumer.assignmentStrategy = .range
        consumer.fetchWaitMax = configuration.fetchWaitMax
        consumer.sessionTimeout = configuration.sessionTimeout
        consumer.heartbeatInterval = .milliseconds(max(100, configuration.sessionTimeout.wholeMillisecondsValue / 4))
        consumer.autoOffsetReset = .earliest
        consumer.additionalProperties = Self.lowLatencyDefaults.merging(configuration.kafkaProperties) { _, given in given }
        return consumer
    }

    private func createTopics() async throws {
        var admin = KafkaAdminConfiguration(bootstrapServers: configuration.bootstrapServers)
        admin.additionalProperties = configuration.kafkaProperties
        let client: KafkaAdminClient
        do {
            client = try KafkaAdminClient(configuration: admin, logger: logger)
        } catch {
            throw OrchestratorError.kafka("cannot create the Kafka admin client", cause: error)
        }
        // Create only what is missing: some brokers (the embedded mock cluster) have no CreateTopics.
        var missing: [KafkaNewTopic] = []
        for topic in configuration.topics.all {
            do {
                if try await client.partitions(of: topic, timeout: .seconds(10)).isEmpty {
                    missing.append(KafkaNewTopic(name: topic, partitionCount: configuration.partitions, replicationFactor: configuration.replicationFactor))
                }
            } catch where Self.isUnknownTopic(error) {
                missing.append(KafkaNewTopic(name: topic, partitionCount: configuration.partitions, replicationFactor: configuration.replicationFactor))
            } catch {
                throw OrchestratorError.kafka(
                    "cannot reach the Kafka cluster at \(configuration.bootstrapServers.joined(separator: ",")) (metadata for '\(topic)' failed)",
                    cause: error
                )
            }
        }
        missing += await missingDefinitionsTopic(client)
        if !missing.isEmpty {
            do {
                try await client.createTopics(missing, timeout: .seconds(30))
                logger.info("created topics", metadata: ["topics": "\(missing.map(\.name).joined(separator: ","))"])
            } catch {
                throw OrchestratorError.kafka("cannot create topics \(missing.map(\.name))", cause: error)
            }
        }
        for topic in configuration.topics.inputs {
            let partitions: [KafkaPartitionMetadata]
            do {
                partitions = try await client.partitions(of: topic, timeout: .seconds(30))
            } catch {
                throw OrchestratorError.kafka("cannot read the partitions of '\(topic)'", cause: error)
            }
            if partitions.count != Int(configuration.partitions) {
                throw OrchestratorError.configuration(
                    "topic '\(topic)' has \(partitions.count) partitions but the orchestrator is configured for \(configuration.partitions): the commands and replies topics must both have exactly that many"
                )
            }
        }
    }
}

extension Duration {
    var wholeMillisecondsValue: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
