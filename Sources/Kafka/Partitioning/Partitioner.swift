/// Kafka's key partitioning, computed in Swift.
///
/// Matches the Java client's default partitioner for keyed records,
/// `Utils.toPositive(Utils.murmur2(key)) % partitionCount`, and librdkafka's `murmur2` and
/// `murmur2_random` partitioners, so any client in any language puts a key on the same partition.
public enum Partitioner {
    /// The partition the Java client (and librdkafka's `murmur2_random`) picks for `key`.
    /// - Parameters:
    ///   - key: the key bytes.
    ///   - partitionCount: the topic's number of partitions, `> 0`.
    /// - Returns: a partition in `0..<partitionCount`.
    public static func murmur2(key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "partitionCount must be positive")
        let positive = murmur2Hash(key) & 0x7fff_ffff
        return Int32(bitPattern: positive) % partitionCount
    }

    /// The partition for the UTF-8 bytes of `key`.
    public static func murmur2(key: String, partitionCount: Int32) -> Int32 {
        murmur2(key: Array(key.utf8), partitionCount: partitionCount)
    }

    /// The Java client's `Utils.murmur2`: MurmurHash2, 32-bit, seed `0x9747b28c`, as unsigned bits.
    public static func murmur2Hash(_ key: some Collection<UInt8>) -> UInt32 {
        let bytes = Array(key)
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: bytes.count)

        let blocks = bytes.count / 4
        for i in 0..<blocks {
            let o = i * 4
            var k = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16
                | UInt32(bytes[o + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
        }

        // The tail: Java's switch falls through from 3 to 1.
        let tail = blocks * 4
        switch bytes.count % 4 {
        case 3:
            h ^= UInt32(bytes[tail + 2]) << 16
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h &*= m
        case 2:
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h &*= m
        case 1:
            h ^= UInt32(bytes[tail])
            h &*= m
        default:
            break
        }

        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }
}
