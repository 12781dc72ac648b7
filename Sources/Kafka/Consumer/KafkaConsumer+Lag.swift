import CRdKafka

extension KafkaConsumer {
    /// How far this consumer is behind in each partition it reads: the high watermark librdkafka
    /// last learned (every fetch response carries it) minus the position, the next offset this
    /// consumer will read. Asks the broker nothing, so it is cheap enough to call every second.
    /// A partition with no position yet, or no watermark yet, is left out.
    /// - Parameter partitions: the partitions to report, all assigned to this consumer.
    public func lag(of partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        guard !partitions.isEmpty, (try? checkOpen()) != nil else { return [:] }
        let list = TopicPartitionList(partitions.map { ($0, KafkaOffset.invalid.rawValue) })
        guard rd_kafka_position(handle.pointer, list.pointer) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        var lags: [KafkaTopicPartition: Int64] = [:]
        for (partition, position, error) in list.elements where error == RD_KAFKA_RESP_ERR_NO_ERROR && position >= 0 {
            var low: Int64 = -1
            var high: Int64 = -1
            let err = rd_kafka_get_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { continue }
            lags[partition] = max(0, high - position)
        }
        return lags
    }
}
