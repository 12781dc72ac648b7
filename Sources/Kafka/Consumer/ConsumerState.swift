import CRdKafka
import Logging
import Synchronization

/// What a consumer knows about its own state: the owner's rebalance handler, the assignment,
/// whether it is closed. Reached from the rebalance callback through the handle's context.
final class ConsumerState: Sendable {
    let rebalanceHandler: KafkaRebalanceHandler
    let assignment = Mutex<Set<KafkaTopicPartition>>([])
    let closed = Mutex(false)
    /// A non-retriable error met while a poll had already collected messages, thrown by the next.
    let pendingError = Mutex<KafkaError?>(nil)

    init(rebalanceHandler: KafkaRebalanceHandler) {
        self.rebalanceHandler = rebalanceHandler
    }

    var isClosed: Bool { closed.withLock { $0 } }

    /// Installs the rebalance callback on a consumer's conf.
    static func installRebalanceCallback(on conf: RdKafkaConfiguration) {
        if let pointer = conf.pointer {
            rd_kafka_conf_set_rebalance_cb(pointer, rebalanceCallback)
        }
    }
}

/// Runs inside the consumer's poll or close. The list belongs to librdkafka; we may set offsets
/// in it before assigning it, and must assign or unassign ourselves.
private func rebalanceCallback(
    handle: OpaquePointer?, err: rd_kafka_resp_err_t,
    partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    opaque: UnsafeMutableRawPointer?
) {
    guard let handle, let client = RdKafkaClientContext.from(opaque), let context = client.consumer else { return }
    let logger = client.logger
    let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
    let elements = TopicPartitionList.elements(of: partitions).map(\.0)

    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        let offsets = context.rebalanceHandler.onAssign(elements)
        if let partitions, let elems = partitions.pointee.elems {
            for i in 0..<Int(partitions.pointee.cnt) {
                if let offset = offsets[elements[i]] { elems[i].offset = offset.rawValue }
            }
        }
        context.assignment.withLock { $0.formUnion(elements) }
        logger.debug("assigned \(elements)", metadata: ["offsets": "\(offsets)"])
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, partitions) {
                logger.error("incremental assign failed: \(KafkaError.consuming(error))")
            }
        } else {
            let result = rd_kafka_assign(handle, partitions)
            if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.error("assign failed: \(KafkaError.librdkafka(result))")
            }
        }

    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        let lost = rd_kafka_assignment_lost(handle) != 0
        context.rebalanceHandler.onRevoke(elements, lost)
        context.assignment.withLock { $0.subtract(elements) }
        logger.debug("revoked \(elements)", metadata: ["lost": "\(lost)"])
        if cooperative {
            if let error = rd_kafka_incremental_unassign(handle, partitions) {
                logger.error("incremental unassign failed: \(KafkaError.consuming(error))")
            }
        } else {
            _ = rd_kafka_assign(handle, nil)
        }

    default:
        logger.error("rebalance error: \(KafkaError.librdkafka(err))")
        context.assignment.withLock { $0.removeAll() }
        _ = rd_kafka_assign(handle, nil)
    }
}
