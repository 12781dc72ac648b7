import Kafka
import Logging
import SagaStore

/// Finds offsets the store recorded that a topic no longer reaches: the topic was deleted and
/// created again, or it lives on an embedded broker that restarted empty. Seeking there would
/// wait for messages that will not come for a long time (and then skip the new ones), so such a
/// partition is read from its start instead.
struct RecordedOffsetCheck: Sendable {
    /// The end (high watermark) of a topic partition, asked of the cluster.
    let endOffset: @Sendable (KafkaTopicPartition) async throws -> Int64
    let logger: Logger

    /// `snapshot` with every recorded offset beyond its topic's end removed (so the partition is
    /// read from its start), each one logged. A partition whose end cannot be read keeps its offset.
    func check(_ snapshot: PartitionSnapshot) async -> PartitionSnapshot {
        var checked = snapshot
        for (topic, recorded) in snapshot.nextOffsets.sorted(by: { $0.key < $1.key }) where recorded > 0 {
            let partition = KafkaTopicPartition(topic: topic, partition: snapshot.lease.partition)
            let end: Int64
            do {
                end = try await endOffset(partition)
            } catch {
                logger.debug("cannot read the end of a partition; seeking to the recorded offset", metadata: [
                    "topic": "\(topic)", "partition": "\(partition.partition)", "error": "\(error)",
                ])
                continue
            }
            guard end < recorded else { continue }
            logger.warning("the partition ends before the offset the store recorded (the topic was created again, or the embedded broker restarted): reading it from its start", metadata: [
                "topic": "\(topic)", "partition": "\(partition.partition)", "recordedOffset": "\(recorded)", "endOffset": "\(end)",
            ])
            checked.nextOffsets[topic] = nil
        }
        return checked
    }
}
