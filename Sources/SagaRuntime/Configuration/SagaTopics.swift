/// The names of the orchestrator's own topics, all under one prefix.
///
/// Participants' command topics are named in the saga definitions, not here.
public struct SagaTopics: Sendable, Hashable {
    /// Start commands and operator controls, keyed by saga id. Default: `<prefix>commands`.
    public var commands: String
    /// Participant replies, keyed by saga id. Default: `<prefix>replies`.
    public var replies: String
    /// Progress events, keyed by saga id. Default: `<prefix>progress`.
    public var progress: String
    /// Messages that could not be processed, with the reason. Default: `<prefix>dead-letters`.
    public var deadLetters: String
    /// The saga definitions the orchestrators run, keyed `type@version`; compacted, one
    /// partition. Default: `<prefix>definitions`. Not among ``all``: clients only read it.
    public var definitions: String

    /// The default prefix, `saga.`.
    public static let defaultPrefix = "saga."

    /// Names every topic `<prefix><name>`.
    /// - Parameter prefix: the prefix; default `saga.`.
    public init(prefix: String = SagaTopics.defaultPrefix) {
        commands = prefix + "commands"
        replies = prefix + "replies"
        progress = prefix + "progress"
        deadLetters = prefix + "dead-letters"
        definitions = prefix + "definitions"
    }

    /// The topics the orchestrator consumes: commands and replies. Both are keyed by saga id and
    /// have the same partition count, so partition `p` of each belongs to the same sagas.
    public var inputs: [String] { [commands, replies] }

    /// Every topic the orchestrator needs.
    public var all: [String] { [commands, replies, progress, deadLetters] }
}
