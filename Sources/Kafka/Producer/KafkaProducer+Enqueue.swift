import CRdKafka

extension KafkaProducer {
    /// Hands `messages[start...]` to librdkafka until its queue is full; records refusals in
    /// `batch`. Returns the index of the first message not yet handed over.
    func enqueue(_ messages: [KafkaProducerMessage], from start: Int, into batch: DeliveryBatch) -> Int {
        lifecycle.withLock { state in
            if state.closed || handle.context.fatalError != nil {
                let error = handle.context.fatalError ?? .shutDown("the producer is shut down")
                for index in start..<messages.count { batch.fail(index, with: error) }
                return messages.count
            }
            return messages.withUnsafeBufferPointer { messages in
                var index = start
                var topic: (name: String, handle: OpaquePointer)?
                while index < messages.count {
                    if topic?.name != messages[index].topic {
                        let name = messages[index].topic
                        guard let handle = topicHandles.handle(for: name, in: self.handle.pointer) else {
                            batch.fail(index, with: .librdkafka(rd_kafka_last_error(), context: "topic \(name)"))
                            index += 1
                            continue
                        }
                        topic = (name, handle)
                    }
                    // Borrowed in place: no copy (and no reference counting) of the message.
                    let error = produce(messages[index], topic: topic!.handle, opaque: batch.opaque(for: index))
                    if let error {
                        if error.rdKafkaCode == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue { return index }
                        batch.fail(index, with: error)
                    }
                    index += 1
                }
                return index
            }
        }
    }

    /// One `rd_kafka_produceva` call. Returns the refusal, if any.
    private func produce(_ message: borrowing KafkaProducerMessage, topic: OpaquePointer, opaque: UnsafeMutableRawPointer) -> KafkaError? {
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                withOptionalBytes(header.value) { pointer, count in
                    _ = rd_kafka_header_add(headers, header.name, -1, pointer, count)
                }
            }
        }
        let rk = handle.pointer
        return withOptionalBytes(message.key) { keyPointer, keyCount in
                withOptionalBytes(message.value) { valuePointer, valueCount in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { vus in
                        var n = 0
                        func append(_ vtype: rd_kafka_vtype_t, _ body: (inout rd_kafka_vu_t) -> Void) {
                            var vu = rd_kafka_vu_t()
                            vu.vtype = vtype
                            body(&vu)
                            vus.initializeElement(at: n, to: vu)
                            n += 1
                        }
                        append(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                        append(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        append(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                        if let partition = message.partition {
                            append(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
                        }
                        if let keyPointer {
                            append(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: keyPointer), size: keyCount) }
                        }
                        if let valuePointer {
                            append(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: valuePointer), size: valueCount) }
                        }
                        if let headers {
                            append(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers }
                        }
                        defer { vus.baseAddress!.deinitialize(count: n) }
                        guard let error = rd_kafka_produceva(rk, vus.baseAddress, n) else { return nil }
                        // On failure the headers and the error object are still ours.
                        if let headers { rd_kafka_headers_destroy(headers) }
                        return KafkaError.consuming(error)
                    }
                }
        }
    }
}

/// A byte that gives an empty (but present) key or value a non-NULL address: librdkafka reads
/// a NULL pointer as "no value", which would turn an empty value into a tombstone.
nonisolated(unsafe) private var emptyByte: UInt8 = 0

/// Calls `body` with the bytes' address and count, or `(nil, 0)` when `bytes` is `nil`.
func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    if bytes.isEmpty {
        return withUnsafePointer(to: &emptyByte) { body(UnsafeRawPointer($0), 0) }
    }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}
