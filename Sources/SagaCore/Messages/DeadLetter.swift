import Foundation

/// A message that could not be used, kept with the reason so an operator can inspect and replay it.
public struct DeadLetter: SagaMessage {
    public static let messageType = "saga.dead-letter"
    public static let schemaFile = "dead-letter.v1.json"

    /// Always ``messageType``.
    public var messageType: String = DeadLetter.messageType
    /// Always ``sagaSchemaVersion``.
    public var schemaVersion: Int = sagaSchemaVersion
    /// The original value, base64-encoded (empty for a tombstone); only its first bytes when
    /// ``originalTruncated`` is set.
    public var originalBase64: String
    /// The original value's size in bytes, when it is known.
    public var originalSize: Int64?
    /// Whether ``originalBase64`` holds only the first bytes of the original (it was too large to
    /// keep whole and still fit on the dead-letter topic).
    public var originalTruncated: Bool?
    /// The original key, base64-encoded, when there was one.
    public var originalKeyBase64: String?
    /// The topic it was read from (or, for a message the orchestrator could not publish, the topic
    /// it was meant for).
    public var topic: String
    /// The partition it was read from; -1 for a message that was never on Kafka.
    public var partition: Int32
    /// Its offset; -1 for a message that was never on Kafka.
    public var offset: Int64
    /// Why it was dead-lettered (for a decode failure: the reason ``SagaMessageCodec`` gave).
    public var reason: String
    /// When, in milliseconds since the epoch.
    public var time: SagaTime?

    /// Creates a dead letter.
    public init(
        originalBase64: String, originalKeyBase64: String? = nil, topic: String, partition: Int32, offset: Int64, reason: String,
        time: SagaTime? = nil, originalSize: Int64? = nil, originalTruncated: Bool? = nil
    ) {
        self.originalBase64 = originalBase64
        self.originalSize = originalSize
        self.originalTruncated = originalTruncated
        self.originalKeyBase64 = originalKeyBase64
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.reason = reason
        self.time = time
    }

    /// How much of an original a dead letter keeps by default: 64 KiB.
    public static let defaultCopyLimit = 65_536

    /// A dead letter that always fits on the topic: the original value whole when it is at most
    /// `copyLimit` bytes, else its first `copyLimit` bytes (``originalTruncated`` set); the key
    /// likewise; ``originalSize`` is the whole value's size.
    public init(
        copying value: [UInt8], key: [UInt8]?, topic: String, partition: Int32, offset: Int64, reason: String,
        time: SagaTime?, copyLimit: Int = DeadLetter.defaultCopyLimit
    ) {
        let truncated = value.count > copyLimit
        self.init(
            originalBase64: Data(value.prefix(copyLimit)).base64EncodedString(),
            originalKeyBase64: key.map { Data($0.prefix(copyLimit)).base64EncodedString() },
            topic: topic, partition: partition, offset: offset, reason: reason, time: time,
            originalSize: Int64(value.count), originalTruncated: truncated ? true : nil
        )
    }

    public func validationProblem() -> String? {
        if let problem = checkEnvelope(messageType: messageType, expected: Self.messageType, schemaVersion: schemaVersion) { return problem }
        if topic.isEmpty { return "topic must not be empty" }
        if partition < -1 || offset < -1 { return "partition and offset must be -1 (never on Kafka) or more" }
        if let originalSize, originalSize < 0 { return "originalSize must not be negative" }
        if reason.isEmpty { return "reason must not be empty" }
        if !Self.isBase64(originalBase64) || !(originalKeyBase64.map(Self.isBase64) ?? true) { return "originalBase64 and originalKeyBase64 must be base64 with padding" }
        return nil
    }

    private static func isBase64(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return false }
        let padding = bytes.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding <= 2 else { return false }
        return bytes.dropLast(padding).allSatisfy { byte in
            (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 43 || byte == 47
        }
    }
}
