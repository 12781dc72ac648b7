import CRdKafka

extension KafkaAdminClient {
    /// The low and high watermarks of a partition, asked of its leader: the oldest offset the
    /// broker still has and the offset the next message produced will get.
    /// - Parameters:
    ///   - partition: the partition.
    ///   - timeout: the bound for the request.
    /// - Throws: ``KafkaError`` when the leader cannot be asked within `timeout` or refuses.
    public func watermarks(of partition: KafkaTopicPartition, timeout: Duration) async throws(KafkaError) -> (low: Int64, high: Int64) {
        let handle = self.handle
        return try await thread.run { () throws(KafkaError) in
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(
                handle.pointer, partition.topic, partition.partition, &low, &high, Int32(clamping: timeout.wholeMilliseconds))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "watermarks of \(partition.topic)[\(partition.partition)]") }
            return (low, high)
        }
    }
}
