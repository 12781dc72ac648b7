import CRdKafka

extension KafkaConsumer {
    /// Blocking: returns up to `maxMessages` messages, waiting at most `timeout` for the first
    /// one; returns an empty array when none came. Serves rebalances (and so the
    /// ``KafkaRebalanceHandler``) on the calling thread.
    ///
    /// Call it from a dedicated thread, never from Swift's cooperative pool; from async code use
    /// ``nextBatch(maxMessages:timeout:)``. Transient errors (broker down, timeouts) are logged
    /// and polling goes on.
    /// - Parameters:
    ///   - maxMessages: the most messages to return.
    ///   - timeout: the longest wait for the first message.
    /// - Throws: ``KafkaError`` for a non-retriable consumer error or when the consumer is closed.
    public func poll(maxMessages: Int, timeout: Duration) throws(KafkaError) -> [KafkaConsumerMessage] {
        try checkOpen()
        if let pending = context.pendingError.withLock({ error in defer { error = nil }; return error }) {
            throw pending
        }
        var messages: [KafkaConsumerMessage] = []
        messages.reserveCapacity(min(maxMessages, 1024))
        var topicCache: (OpaquePointer, String)?
        var wait = Int32(clamping: timeout.wholeMilliseconds)
        while messages.count < maxMessages {
            guard let raw = rd_kafka_consumer_poll(handle.pointer, wait) else { break }
            defer { rd_kafka_message_destroy(raw) }
            // After the first message, take only what is already fetched.
            wait = 0
            let m = raw.pointee
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
                // An error event carries its text as the payload, with its length: read exactly that.
                let text = m.payload.map {
                    String(decoding: UnsafeRawBufferPointer(start: $0, count: m.len), as: UTF8.self)
                }
                let error = KafkaError.consumer(m.err, message: text ?? String(cString: rd_kafka_err2str(m.err)))
                if error.isRetriable && !error.isFatal {
                    logger.warning("consumer: \(error)")
                    continue
                }
                if messages.isEmpty { throw error }
                context.pendingError.withLock { $0 = error }
                break
            }
            let topic: String
            if let cached = topicCache, cached.0 == m.rkt {
                topic = cached.1
            } else {
                topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
                if let rkt = m.rkt { topicCache = (rkt, topic) }
            }
            messages.append(Self.message(raw, topic: topic))
        }
        return messages
    }

    /// The async form of ``poll(maxMessages:timeout:)``: the poll runs on the consumer's own
    /// I/O thread, so the rebalance handler is called there.
    public func nextBatch(maxMessages: Int, timeout: Duration) async throws(KafkaError) -> [KafkaConsumerMessage] {
        try await onThread { () throws(KafkaError) in try self.poll(maxMessages: maxMessages, timeout: timeout) }
    }

    /// Copies a librdkafka message into Swift values (the caller destroys the C message).
    private static func message(_ raw: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) -> KafkaConsumerMessage {
        let m = raw.pointee
        let key = m.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.len)) }
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ms = rd_kafka_message_timestamp(raw, &type)
        return KafkaConsumerMessage(
            topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
            headers: headers(of: raw), timestamp: KafkaTimestamp(ms: ms, type: type))
    }

    private static func headers(of raw: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        // The headers belong to the message.
        guard rd_kafka_message_headers(raw, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(KafkaHeader(
                name: name.map { String(cString: $0) } ?? "",
                value: value.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return headers
    }
}
