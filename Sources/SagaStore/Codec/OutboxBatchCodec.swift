/// Packs the outbox messages one commit writes for one partition into one blob: the stores keep
/// a row per commit and partition, not a row per message, so a commit of thousands of messages
/// inserts a handful of rows and marking them sent updates as few.
///
/// Layout, integers big-endian: `u8 format (1)`, `u32 count`, then per message: `u32 topicLength,
/// topic (UTF-8)`, `u8 flags` (1: partition, 2: key, 4: value), `i32 partition` if flagged,
/// `u32 keyLength, key` if flagged, `u32 valueLength, value` if flagged, `i64 createdAt`, and the
/// headers as ``OutboxHeaderCodec`` lays them out.
enum OutboxBatchCodec {
    private static let format: UInt8 = 1

    static func encode(_ messages: [OutboxMessage]) -> [UInt8] {
        let estimate = messages.reduce(5) { size, message in
            size + 29 + message.topic.utf8.count + (message.key?.count ?? 0) + (message.value?.count ?? 0)
                + OutboxHeaderCodec.encodedSize(message.headers)
        }
        var writer = StoreBytesWriter(capacity: estimate)
        writer.append(format)
        writer.append(UInt32(messages.count))
        for message in messages {
            writer.appendPrefixed(message.topic.utf8)
            var flags: UInt8 = 0
            if message.partition != nil { flags |= 1 }
            if message.key != nil { flags |= 2 }
            if message.value != nil { flags |= 4 }
            writer.append(flags)
            if let partition = message.partition { writer.append(partition) }
            if let key = message.key { writer.appendPrefixed(key) }
            if let value = message.value { writer.appendPrefixed(value) }
            writer.append(message.createdAt)
            OutboxHeaderCodec.encode(message.headers, into: &writer)
        }
        return writer.bytes
    }

    /// - Throws: ``SagaStoreError/Code/corruptRow`` if the blob is truncated, malformed, of an
    ///   unknown format, or holds another number of messages than `expectedCount`.
    static func decode(_ bytes: [UInt8], expectedCount: Int) throws -> [OutboxMessage] {
        var reader = StoreBytesReader(bytes) { SagaStoreError(.corruptRow, "an outbox batch blob is malformed") }
        guard try reader.integer(UInt8.self) == format else {
            throw SagaStoreError(.corruptRow, "an outbox batch blob has an unknown format")
        }
        let count = Int(try reader.integer(UInt32.self))
        guard count == expectedCount else {
            throw SagaStoreError(.corruptRow, "an outbox batch blob holds \(count) messages, its row says \(expectedCount)")
        }
        var messages: [OutboxMessage] = []
        messages.reserveCapacity(count)
        for _ in 0..<count {
            let topic = String(decoding: try reader.prefixed(), as: UTF8.self)
            let flags = try reader.integer(UInt8.self)
            let partition = flags & 1 != 0 ? try reader.integer(Int32.self) : nil
            let key = flags & 2 != 0 ? Array(try reader.prefixed()) : nil
            let value = flags & 4 != 0 ? Array(try reader.prefixed()) : nil
            let createdAt = try reader.integer(Int64.self)
            let headers = try OutboxHeaderCodec.decode(from: &reader)
            messages.append(OutboxMessage(topic: topic, partition: partition, key: key, value: value, headers: headers, createdAt: createdAt))
        }
        guard reader.isAtEnd else { throw reader.malformed() }
        return messages
    }
}
