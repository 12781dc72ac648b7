import CRdKafka

extension KafkaProducer {
    /// Runs on the I/O thread: hands every message to librdkafka, polling for delivery reports
    /// whenever its queue is full; records refusals in `batch`.
    func enqueue(_ messages: [KafkaProducerMessage], into batch: DeliveryBatch) {
        if let error = handle.context.fatalError {
            batch.failAll(from: 0, with: error)
            return
        }
        messages.withUnsafeBufferPointer { messages in
            var index = 0
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
                if let error = produce(messages[index], topic: topic!.handle, opaque: batch.opaque(for: index)) {
                    if error.rdKafkaCode == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue {
                        // Serve delivery reports until there is room again, then retry.
                        _ = rd_kafka_poll(handle.pointer, 10)
                        if let fatal = handle.context.fatalError {
                            batch.failAll(from: index, with: fatal)
                            return
                        }
                        continue
                    }
                    batch.fail(index, with: error)
                }
                index += 1
            }
        }
    }

    /// Hands one message to librdkafka. Returns the refusal, if any.
    private func produce(_ message: borrowing KafkaProducerMessage, topic: OpaquePointer, opaque: UnsafeMutableRawPointer) -> KafkaError? {
        if message.headers.isEmpty {
            // The classic call is markedly cheaper per message than `rd_kafka_produceva`, which
            // only headers need.
            return withOptionalBytes(message.key) { keyPointer, keyCount in
                withOptionalBytes(message.value) { valuePointer, valueCount in
                    let result = rd_kafka_produce(
                        topic, message.partition ?? -1, RD_KAFKA_MSG_F_COPY,
                        UnsafeMutableRawPointer(mutating: valuePointer), valueCount,
                        keyPointer, keyCount, opaque)
                    // Read at once: the error is per thread and nothing ran in between.
                    return result == 0 ? nil : KafkaError.librdkafka(rd_kafka_last_error(), context: "produce")
                }
            }
        }
        return produceWithHeaders(message, topic: topic, opaque: opaque)
    }

    /// One `rd_kafka_produceva` call, for a message with headers.
    private func produceWithHeaders(_ message: borrowing KafkaProducerMessage, topic: OpaquePointer, opaque: UnsafeMutableRawPointer) -> KafkaError? {
        let headers = rd_kafka_headers_new(message.headers.count)
        for header in message.headers {
            withOptionalBytes(header.value) { pointer, count in
                _ = rd_kafka_header_add(headers, header.name, -1, pointer, count)
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
                    append(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers }
                    defer { vus.baseAddress!.deinitialize(count: n) }
                    guard let error = rd_kafka_produceva(rk, vus.baseAddress, n) else { return nil }
                    // On failure the headers and the error object are still ours.
                    rd_kafka_headers_destroy(headers)
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
