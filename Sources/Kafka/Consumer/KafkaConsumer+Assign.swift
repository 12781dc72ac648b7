import CRdKafka

extension KafkaConsumer {
    /// Reads `partitions` from the given offsets without joining the group (manual assignment,
    /// replacing any earlier one): no rebalances, no rebalance handler. Use either this or
    /// ``subscribe(topics:)``, not both. Offsets can still be committed under the configured
    /// group id.
    /// - Parameter partitions: the start offset of each partition (the next offset to read).
    /// - Throws: ``KafkaError`` when librdkafka refuses the assignment.
    public func assign(_ partitions: [KafkaTopicPartition: KafkaOffset]) async throws(KafkaError) {
        try checkOpen()
        let handle = self.handle
        let context = self.context
        let entries = partitions.map { ($0.key, $0.value.rawValue) }
        try await onThread { () throws(KafkaError) in
            let list = TopicPartitionList(entries)
            let err = rd_kafka_assign(handle.pointer, list.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "assign") }
            context.assignment.withLock { $0 = Set(entries.map(\.0)) }
        }
    }
}
