/// A position in a partition: an absolute offset or one of librdkafka's logical offsets.
///
/// Offsets in Kafka name the *next* message to read: to resume after a message with offset `n`,
/// start (or commit) at `n + 1`.
public struct KafkaOffset: Sendable, Hashable, CustomStringConvertible {
    /// The raw value handed to librdkafka (negative values are logical offsets).
    public let rawValue: Int64

    /// An absolute offset (`>= 0`): the offset of the next message to read.
    public init(_ offset: Int64) {
        precondition(offset >= 0, "an absolute offset is >= 0; use the logical offsets otherwise")
        rawValue = offset
    }

    private init(logical: Int64) { rawValue = logical }

    /// The oldest message the broker still has (`RD_KAFKA_OFFSET_BEGINNING`).
    public static let beginning = KafkaOffset(logical: -2)
    /// After the newest message: only messages produced from now on (`RD_KAFKA_OFFSET_END`).
    public static let end = KafkaOffset(logical: -1)
    /// The group's committed offset, or `auto.offset.reset` when there is none
    /// (`RD_KAFKA_OFFSET_STORED`).
    public static let committed = KafkaOffset(logical: -1000)
    /// No offset (`RD_KAFKA_OFFSET_INVALID`); on assignment librdkafka treats it like ``committed``.
    public static let invalid = KafkaOffset(logical: -1001)

    /// `true` for an absolute offset.
    public var isAbsolute: Bool { rawValue >= 0 }

    package static func raw(_ value: Int64) -> KafkaOffset {
        value >= 0 ? KafkaOffset(value) : KafkaOffset(logical: value)
    }

    /// A short text form, for logs.
    public var description: String {
        switch rawValue {
        case -2: "beginning"
        case -1: "end"
        case -1000: "committed"
        case -1001: "invalid"
        default: "\(rawValue)"
        }
    }
}
