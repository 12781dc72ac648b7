/// Packs an outbox row's ordered headers into one blob, so a row is one INSERT.
///
/// Layout, integers big-endian: `u32 count`, then per header `u32 nameLength, name (UTF-8),
/// i32 valueLength (-1 for no value), value`.
enum OutboxHeaderCodec {
    static func encode(_ headers: [OutboxHeader]) -> [UInt8] {
        guard !headers.isEmpty else { return [] }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + headers.reduce(0) { $0 + 8 + $1.name.utf8.count + ($1.value?.count ?? 0) })
        append(UInt32(headers.count), to: &bytes)
        for header in headers {
            append(UInt32(header.name.utf8.count), to: &bytes)
            bytes.append(contentsOf: header.name.utf8)
            if let value = header.value {
                append(UInt32(value.count), to: &bytes)
                bytes.append(contentsOf: value)
            } else {
                append(UInt32(bitPattern: -1), to: &bytes)
            }
        }
        return bytes
    }

    /// - Throws: ``SagaStoreError/Code/corruptRow`` if the blob is truncated or malformed.
    static func decode(_ bytes: [UInt8]) throws -> [OutboxHeader] {
        guard !bytes.isEmpty else { return [] }
        var reader = Reader(bytes: bytes)
        let count = try reader.uint32()
        var headers: [OutboxHeader] = []
        headers.reserveCapacity(Int(min(count, 1024)))
        for _ in 0..<count {
            let name = String(decoding: try reader.bytes(Int(try reader.uint32())), as: UTF8.self)
            let length = Int32(bitPattern: try reader.uint32())
            let value = length < 0 ? nil : Array(try reader.bytes(Int(length)))
            headers.append(OutboxHeader(name: name, value: value))
        }
        guard reader.isAtEnd else { throw corrupt() }
        return headers
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private static func corrupt() -> SagaStoreError {
        SagaStoreError(.corruptRow, "an outbox row's headers blob is malformed")
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var isAtEnd: Bool { position == bytes.count }

        mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - position else { throw corrupt() }
            defer { position += count }
            return bytes[position..<position + count]
        }

        mutating func uint32() throws -> UInt32 {
            try bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
        }
    }
}
