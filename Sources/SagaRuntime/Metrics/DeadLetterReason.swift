/// Why an input went to the dead-letter topic, as a metric label (no dynamic values).
public struct DeadLetterReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The label value.
    public let rawValue: String
    /// A reason class by name.
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The message could not be decoded or failed validation (a tombstone included).
    public static let malformed = DeadLetterReason(rawValue: "malformed")
    /// A start named a saga type (or version) this instance has no definition for.
    public static let unknownType = DeadLetterReason(rawValue: "unknown_type")
    /// A control or reply named a saga that does not exist (or was purged).
    public static let unknownSaga = DeadLetterReason(rawValue: "unknown_saga")
    /// A start's business key belongs to a saga on another partition.
    public static let duplicateStart = DeadLetterReason(rawValue: "duplicate_start")
    /// The message is bigger than the orchestrator accepts (`maxInputBytes`).
    public static let oversize = DeadLetterReason(rawValue: "oversize")
    /// An input for a quarantined saga (its stored state cannot be read).
    public static let quarantined = DeadLetterReason(rawValue: "quarantined")
    /// The transition the input caused cannot be stored (it cannot be encoded, or is too big).
    public static let unstorable = DeadLetterReason(rawValue: "unstorable")
    /// A message the orchestrator published was refused by Kafka for good (too large for the
    /// topic, a topic that does not exist or is forbidden): a truncated copy goes in its place.
    public static let refusedByKafka = DeadLetterReason(rawValue: "refused_by_kafka")
    /// A saga runs a definition version that is not loaded.
    public static let definitionMissing = DeadLetterReason(rawValue: "definition_missing")
}
