import CRdKafka

extension KafkaConsumer {
    /// Stores offsets in the consumer (not yet on the broker) for a later
    /// ``commitStoredOffsets()``. Each offset is the next one to read: last processed + 1.
    /// - Parameter offsets: an offset per partition; the partitions must be assigned.
    /// - Throws: ``KafkaError`` when librdkafka refuses one (e.g. a partition not assigned).
    public func storeOffsets(_ offsets: [KafkaTopicPartition: KafkaOffset]) throws(KafkaError) {
        try checkOpen()
        let list = TopicPartitionList(offsets.map { ($0.key, $0.value.rawValue) })
        let err = rd_kafka_offsets_store(handle.pointer, list.pointer)
        if let failed = list.elements.first(where: { $0.2 != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw .librdkafka(failed.2, context: "store offset for \(failed.0)")
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "store offsets") }
    }

    /// Stores `message.offset + 1` for its partition: the message counts as processed.
    public func storeOffset(after message: KafkaConsumerMessage) throws(KafkaError) {
        try storeOffsets([message.topicPartition: message.nextOffset])
    }

    /// Commits `offsets` to the group and waits for the broker (runs on the I/O thread).
    /// Each offset is the next one to read: last processed + 1.
    /// - Throws: ``KafkaError`` when the commit fails.
    public func commit(_ offsets: [KafkaTopicPartition: KafkaOffset]) async throws(KafkaError) {
        try checkOpen()
        let handle = self.handle
        let entries = offsets.map { ($0.key, $0.value.rawValue) }
        try await onThread { () throws(KafkaError) in
            let list = TopicPartitionList(entries)
            let err = rd_kafka_commit(handle.pointer, list.pointer, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "commit") }
            if let failed = list.elements.first(where: { $0.2 != RD_KAFKA_RESP_ERR_NO_ERROR }) {
                throw .librdkafka(failed.2, context: "commit \(failed.0)")
            }
        }
    }

    /// Commits `message.offset + 1` for its partition.
    public func commit(after message: KafkaConsumerMessage) async throws(KafkaError) {
        try await commit([message.topicPartition: message.nextOffset])
    }

    /// Commits the offsets stored with ``storeOffsets(_:)`` and waits for the broker. Having
    /// nothing new to commit is not an error.
    public func commitStoredOffsets() async throws(KafkaError) {
        try checkOpen()
        let handle = self.handle
        try await onThread { () throws(KafkaError) in
            let err = rd_kafka_commit(handle.pointer, nil, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                throw .librdkafka(err, context: "commit stored offsets")
            }
        }
    }

    /// The group's committed offsets for `partitions` (``KafkaOffset/invalid`` where none).
    /// - Parameters:
    ///   - partitions: the partitions.
    ///   - timeout: the bound.
    public func committedOffsets(
        for partitions: [KafkaTopicPartition], timeout: Duration
    ) async throws(KafkaError) -> [KafkaTopicPartition: KafkaOffset] {
        try checkOpen()
        let handle = self.handle
        return try await onThread { () throws(KafkaError) in
            let list = TopicPartitionList(partitions.map { ($0, KafkaOffset.invalid.rawValue) })
            let err = rd_kafka_committed(handle.pointer, list.pointer, Int32(clamping: timeout.wholeMilliseconds))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "committed") }
            var result: [KafkaTopicPartition: KafkaOffset] = [:]
            for (tp, offset, _) in list.elements { result[tp] = .raw(offset) }
            return result
        }
    }

    // MARK: - Flow control

    /// Stops fetching from `partitions` (backpressure) without leaving the group; messages
    /// already fetched for them are not returned until ``resume(_:)``.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try checkOpen()
        let list = TopicPartitionList(partitions.map { ($0, KafkaOffset.invalid.rawValue) })
        let err = rd_kafka_pause_partitions(handle.pointer, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "pause") }
    }

    /// Resumes fetching from paused `partitions`.
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try checkOpen()
        let list = TopicPartitionList(partitions.map { ($0, KafkaOffset.invalid.rawValue) })
        let err = rd_kafka_resume_partitions(handle.pointer, list.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "resume") }
    }

    // MARK: - Close

    /// Leaves the group cleanly: revokes the assignment (the rebalance handler is told), commits
    /// nothing on its own, and stops fetching. Runs on the I/O thread, which keeps serving the
    /// consumer's queue until the close completes. Later calls throw a shut-down error.
    /// - Throws: ``KafkaError`` when librdkafka reports a failure while closing.
    public func close() async throws(KafkaError) {
        let first = context.closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        let handle = self.handle
        try await onThread { () throws(KafkaError) in
            let err = rd_kafka_consumer_close(handle.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "close") }
        }
    }
}
