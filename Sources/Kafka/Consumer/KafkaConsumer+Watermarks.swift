import CRdKafka

extension KafkaConsumer {
    /// The low and high watermarks of a partition, asked of its leader: the oldest offset the
    /// broker still has and the offset the next message produced will get.
    ///
    /// Assigning a partition at its high watermark reads exactly what is produced after this
    /// call returns, which ``KafkaOffset/end`` does not promise: `end` is resolved later, on
    /// librdkafka's broker thread, and misses what arrives before that.
    /// - Parameters:
    ///   - partition: the partition.
    ///   - timeout: the bound for the request.
    /// - Throws: ``KafkaError`` when the leader cannot be asked within `timeout` or refuses.
    public func watermarks(of partition: KafkaTopicPartition, timeout: Duration) async throws(KafkaError) -> (low: Int64, high: Int64) {
        try checkOpen()
        let handle = self.handle
        return try await onThread { () throws(KafkaError) in
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(
                handle.pointer, partition.topic, partition.partition, &low, &high, Int32(clamping: timeout.wholeMilliseconds))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "watermarks of \(partition.topic)[\(partition.partition)]") }
            return (low, high)
        }
    }
}

extension KafkaConsumer {
    /// The high watermark librdkafka last saw for a partition this consumer fetches from (each
    /// fetch response carries it), without asking the broker: nothing blocks.
    /// - Parameter partition: the partition.
    /// - Returns: the offset the next message produced to it will get, or `nil` when no fetch
    ///   response has told it yet (or the consumer is closed).
    public func cachedHighWatermark(of partition: KafkaTopicPartition) -> Int64? {
        guard !context.isClosed else { return nil }
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }
}
