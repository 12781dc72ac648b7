import CRdKafka

/// Installs the delivery report callback on a producer's conf.
func installDeliveryReportCallback(on conf: RdKafkaConfiguration) {
    if let pointer = conf.pointer {
        rd_kafka_conf_set_dr_msg_cb(pointer, deliveryReportCallback)
    }
}

/// Runs inside `rd_kafka_poll`/`rd_kafka_flush` on the producer's I/O thread. The message
/// belongs to librdkafka: read it, never destroy it. Kept allocation-free on success: the
/// report is built when the sender collects the batch.
private func deliveryReportCallback(
    handle: OpaquePointer?, message: UnsafePointer<rd_kafka_message_t>?, opaque: UnsafeMutableRawPointer?
) {
    guard let message, let slot = message.pointee._private else { return }
    let m = message.pointee
    var error: KafkaError?
    var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
    var ms: Int64 = -1
    if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        ms = rd_kafka_message_timestamp(message, &type)
    } else if m.err == RD_KAFKA_RESP_ERR__FATAL, let fatal = RdKafkaClientContext.from(opaque)?.fatalError {
        error = fatal
    } else {
        // Not rd_kafka_message_errstr: on a delivery report the payload is the message's own
        // bytes (not a NUL-terminated error text), and reading it as a C string overruns it.
        error = .delivery(m.err, isFatal: m.err == RD_KAFKA_RESP_ERR__FATAL)
    }
    DeliveryBatch.deliver(opaque: slot, message: m, timestampMs: ms, timestampType: type, error: error)
}

extension KafkaTimestamp {
    /// `nil` when librdkafka has no timestamp.
    init?(ms: Int64, type: rd_kafka_timestamp_type_t) {
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: self.init(millisecondsSinceEpoch: ms, kind: .createTime)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: self.init(millisecondsSinceEpoch: ms, kind: .logAppendTime)
        default: return nil
        }
    }
}
