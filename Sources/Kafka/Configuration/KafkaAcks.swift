/// How many replicas must acknowledge a produced message (`acks`).
public struct KafkaAcks: Sendable, Hashable, CustomStringConvertible {
    /// The value given to librdkafka.
    public let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// All in-sync replicas (`all`): required by the idempotent producer.
    public static let all = KafkaAcks("all")
    /// The partition leader only (`1`).
    public static let leader = KafkaAcks("1")
    /// No acknowledgement (`0`): fire and forget.
    public static let none = KafkaAcks("0")

    /// A short text form, for logs.
    public var description: String { rawValue }
}

/// How the producer picks a partition for a message that names none (`partitioner`).
public struct KafkaPartitionerStrategy: Sendable, Hashable, CustomStringConvertible {
    /// The value given to librdkafka.
    public let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// The Java client's partitioner: murmur2 of the key, unkeyed messages spread at random
    /// (`murmur2_random`). See ``Partitioner/murmur2(key:partitionCount:)``.
    public static let murmur2Random = KafkaPartitionerStrategy("murmur2_random")
    /// murmur2 of the key; unkeyed messages all go to one partition (`murmur2`).
    public static let murmur2 = KafkaPartitionerStrategy("murmur2")
    /// librdkafka's default: CRC32 of the key, unkeyed at random (`consistent_random`).
    public static let consistentRandom = KafkaPartitionerStrategy("consistent_random")
    /// A random partition (`random`).
    public static let random = KafkaPartitionerStrategy("random")

    /// A short text form, for logs.
    public var description: String { rawValue }
}

/// Compression of produced batches (`compression.codec`).
public struct KafkaCompression: Sendable, Hashable, CustomStringConvertible {
    /// The value given to librdkafka.
    public let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// No compression.
    public static let none = KafkaCompression("none")
    /// gzip.
    public static let gzip = KafkaCompression("gzip")
    /// snappy.
    public static let snappy = KafkaCompression("snappy")
    /// lz4.
    public static let lz4 = KafkaCompression("lz4")
    /// zstd.
    public static let zstd = KafkaCompression("zstd")

    /// A short text form, for logs.
    public var description: String { rawValue }
}

/// Where a consumer starts in a partition that has no committed offset (`auto.offset.reset`).
public struct KafkaAutoOffsetReset: Sendable, Hashable, CustomStringConvertible {
    /// The value given to librdkafka.
    public let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// The oldest message still on the broker.
    public static let earliest = KafkaAutoOffsetReset("earliest")
    /// Only messages produced after the assignment.
    public static let latest = KafkaAutoOffsetReset("latest")
    /// Fail with an error instead.
    public static let error = KafkaAutoOffsetReset("error")

    /// A short text form, for logs.
    public var description: String { rawValue }
}

extension Duration {
    /// Whole milliseconds, rounded down, as librdkafka's `*.ms` properties want them.
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
