import CRdKafka

extension KafkaConsumer {
    /// Reads `partitions` from the given offsets without joining the group (manual assignment,
    /// replacing any earlier one): no rebalances, no rebalance handler. Use either this or
    /// ``subscribe(topics:)``, not both. Offsets can still be committed under the configured
    /// group id.
    /// Fetches the topics' metadata first (bounded by 500 ms), so reading starts at once.
    /// - Parameter partitions: the start offset of each partition (the next offset to read).
    /// - Throws: ``KafkaError`` when librdkafka refuses the assignment.
    public func assign(_ partitions: [KafkaTopicPartition: KafkaOffset]) async throws(KafkaError) {
        try checkOpen()
        let handle = self.handle
        let context = self.context
        let entries = partitions.map { ($0.key, $0.value.rawValue) }
        let topics = Set(entries.map(\.0.topic))
        try await onThread { () throws(KafkaError) in
            // Learn the leaders first: librdkafka 2.0.2 otherwise finds no leader for a freshly
            // assigned partition and retries its offset lookup only 500 ms later.
            for topic in topics {
                _ = try? readPartitions(handle.pointer, topic: topic, timeoutMs: 500)
            }
            let list = TopicPartitionList(entries)
            let err = rd_kafka_assign(handle.pointer, list.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "assign") }
            context.assignment.withLock { $0 = Set(entries.map(\.0)) }
        }
    }
}

extension KafkaConsumer {
    /// The partitions of `topic`, from a fresh metadata request on this consumer's connection.
    /// - Parameters:
    ///   - topic: the topic.
    ///   - timeout: the bound.
    /// - Throws: ``KafkaError`` when the request fails or the topic is unknown.
    public func partitions(of topic: String, timeout: Duration) async throws(KafkaError) -> [KafkaPartitionMetadata] {
        try checkOpen()
        let handle = self.handle
        return try await onThread { () throws(KafkaError) in
            try readPartitions(handle.pointer, topic: topic, timeoutMs: Int32(clamping: timeout.wholeMilliseconds))
        }
    }
}
