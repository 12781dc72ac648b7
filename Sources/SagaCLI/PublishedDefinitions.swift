import Kafka
import SagaRuntime

/// Reads the saga definitions the orchestrators published on `<prefix>definitions`.
enum PublishedDefinitions {
    /// Every definition on the topic (the latest per `type@version`), sorted by type and version;
    /// `nil` when the topic does not exist (an orchestrator of an older version, or a cluster
    /// where nobody created it).
    /// - Throws: ``OperatorFailure`` when the cluster does not answer within its connect timeout.
    static func read(from cluster: ClusterSettings) async throws -> [PublishedDefinition]? {
        let topic = cluster.topics.definitions
        let consumer = try KafkaConsumer(configuration: cluster.consumer, logger: cluster.logger)
        do {
            let found = try await read(topic, with: consumer, cluster: cluster)
            try? await consumer.close()
            return found
        } catch {
            try? await consumer.close()
            throw error
        }
    }

    private static func read(_ topic: String, with consumer: KafkaConsumer, cluster: ClusterSettings) async throws -> [PublishedDefinition]? {
        var ends: [KafkaTopicPartition: Int64] = [:]
        do {
            for metadata in try await consumer.partitions(of: topic, timeout: cluster.connectTimeout) {
                let partition = KafkaTopicPartition(topic: topic, partition: metadata.partition)
                let (low, high) = try await consumer.watermarks(of: partition, timeout: cluster.connectTimeout)
                if high > low { ends[partition] = high }
            }
        } catch {
            if error.rdKafkaCodeName == "UNKNOWN_TOPIC_OR_PART" || error.rdKafkaCodeName == "_UNKNOWN_TOPIC" { return nil }
            throw cluster.failure(error, topic: topic)
        }
        var latest: [String: PublishedDefinition] = [:]
        if !ends.isEmpty {
            do {
                try await consumer.assign(Dictionary(uniqueKeysWithValues: ends.keys.map { ($0, KafkaOffset.beginning) }))
                var remaining = ends
                let deadline = ContinuousClock.now + cluster.connectTimeout
                while !remaining.isEmpty && ContinuousClock.now < deadline {
                    for message in try await consumer.nextBatch(maxMessages: 500, timeout: .milliseconds(100)) {
                        let partition = message.topicPartition
                        if let end = remaining[partition], message.offset + 1 >= end { remaining[partition] = nil }
                        guard let key = message.key.map({ String(decoding: $0, as: UTF8.self) }) else { continue }
                        if let value = message.value, let definition = try? PublishedDefinition(decoding: value) {
                            latest[key] = definition
                        } else {
                            // A tombstone (or an unreadable value) retires the key.
                            latest[key] = nil
                        }
                    }
                }
            } catch {
                throw cluster.failure(error, topic: topic)
            }
        }
        return latest.values.sorted { ($0.type, $0.version) < ($1.type, $1.version) }
    }
}
