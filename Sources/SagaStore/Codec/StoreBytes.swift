/// Big-endian integers and length-prefixed bytes, for the blobs the stores write
/// (``OutboxHeaderCodec``, ``OutboxBatchCodec``).
struct StoreBytesWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `u32` length, then the bytes.
    mutating func appendPrefixed(_ value: some Collection<UInt8>) {
        append(UInt32(value.count))
        bytes.append(contentsOf: value)
    }
}

/// Reads what ``StoreBytesWriter`` wrote; every read past the end throws `malformed()`.
struct StoreBytesReader {
    let bytes: [UInt8]
    let malformed: () -> SagaStoreError
    private var position = 0

    init(_ bytes: [UInt8], malformed: @escaping () -> SagaStoreError) {
        self.bytes = bytes
        self.malformed = malformed
    }

    var isAtEnd: Bool { position == bytes.count }

    mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw malformed() }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let slice = try bytes(MemoryLayout<T>.size)
        return slice.reduce(T.zero) { $0 << 8 | T(truncatingIfNeeded: $1) }
    }

    /// A `u32` length, then that many bytes.
    mutating func prefixed() throws -> ArraySlice<UInt8> {
        try bytes(Int(try integer(UInt32.self)))
    }
}
