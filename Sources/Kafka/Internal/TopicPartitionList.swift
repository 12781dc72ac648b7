import CRdKafka

/// The one owner of an `rd_kafka_topic_partition_list_t`; destroys it in `deinit`.
///
/// Used only inside one function or one callback, never shared across threads.
package final class TopicPartitionList {
    package let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    package init(capacity: Int = 1) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(capacity, 1)))
    }

    /// Copies `partitions` with their offsets.
    package convenience init(_ partitions: [(KafkaTopicPartition, Int64)]) {
        self.init(capacity: partitions.count)
        for (tp, offset) in partitions {
            add(topic: tp.topic, partition: tp.partition, offset: offset)
        }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    package func add(topic: String, partition: Int32, offset: Int64 = KafkaOffset.invalid.rawValue) {
        let element = rd_kafka_topic_partition_list_add(pointer, topic, partition)
        element?.pointee.offset = offset
    }

    /// Reads a list owned by librdkafka (e.g. in the rebalance callback) without taking it.
    package static func elements(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>?
    ) -> [(KafkaTopicPartition, Int64, rd_kafka_resp_err_t)] {
        guard let list, list.pointee.cnt > 0, let elems = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { i in
            let e = elems[i]
            return (KafkaTopicPartition(topic: String(cString: e.topic), partition: e.partition),
                    e.offset, e.err)
        }
    }

    package var elements: [(KafkaTopicPartition, Int64, rd_kafka_resp_err_t)] {
        Self.elements(of: pointer)
    }
}
