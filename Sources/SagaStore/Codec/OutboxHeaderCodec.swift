/// Packs an outbox message's ordered headers into one blob.
///
/// Layout, integers big-endian: `u32 count`, then per header `u32 nameLength, name (UTF-8),
/// i32 valueLength (-1 for no value), value`.
enum OutboxHeaderCodec {
    static func encode(_ headers: [OutboxHeader]) -> [UInt8] {
        guard !headers.isEmpty else { return [] }
        var writer = StoreBytesWriter(capacity: encodedSize(headers))
        encode(headers, into: &writer)
        return writer.bytes
    }

    /// The bytes ``encode(_:into:)`` writes for `headers`.
    static func encodedSize(_ headers: [OutboxHeader]) -> Int {
        headers.reduce(4) { $0 + 8 + $1.name.utf8.count + ($1.value?.count ?? 0) }
    }

    static func encode(_ headers: [OutboxHeader], into writer: inout StoreBytesWriter) {
        writer.append(UInt32(headers.count))
        for header in headers {
            writer.appendPrefixed(header.name.utf8)
            if let value = header.value {
                writer.appendPrefixed(value)
            } else {
                writer.append(Int32(-1))
            }
        }
    }

    /// - Throws: ``SagaStoreError/Code/corruptRow`` if the blob is truncated or malformed.
    static func decode(_ bytes: [UInt8]) throws -> [OutboxHeader] {
        guard !bytes.isEmpty else { return [] }
        var reader = StoreBytesReader(bytes) { SagaStoreError(.corruptRow, "an outbox row's headers blob is malformed") }
        let headers = try decode(from: &reader)
        guard reader.isAtEnd else { throw reader.malformed() }
        return headers
    }

    static func decode(from reader: inout StoreBytesReader) throws -> [OutboxHeader] {
        let count = try reader.integer(UInt32.self)
        var headers: [OutboxHeader] = []
        headers.reserveCapacity(Int(min(count, 1024)))
        for _ in 0..<count {
            let name = String(decoding: try reader.prefixed(), as: UTF8.self)
            let length = try reader.integer(Int32.self)
            let value = length < 0 ? nil : Array(try reader.bytes(Int(length)))
            headers.append(OutboxHeader(name: name, value: value))
        }
        return headers
    }
}
