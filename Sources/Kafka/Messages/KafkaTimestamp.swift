/// A record timestamp as Kafka carries it: milliseconds since the Unix epoch and its kind.
public struct KafkaTimestamp: Sendable, Hashable {
    /// Who set the timestamp.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let raw: Int
        /// Set by the producer when the record was created.
        public static let createTime = Kind(raw: 1)
        /// Set by the broker when the record was appended to the log.
        public static let logAppendTime = Kind(raw: 2)
        /// A short text form, for logs.
        public var description: String { raw == 1 ? "CreateTime" : "LogAppendTime" }
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64
    /// Who set it.
    public var kind: Kind

    /// - Parameters:
    ///   - millisecondsSinceEpoch: milliseconds since the Unix epoch.
    ///   - kind: who set it.
    public init(millisecondsSinceEpoch: Int64, kind: Kind) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
        self.kind = kind
    }
}
