/// A command for the runtime to publish.
public struct OutgoingCommand: Hashable, Sendable {
    /// The participant's command topic.
    public var topic: String
    /// The Kafka key: the saga id.
    public var key: String
    /// The command.
    public var message: ParticipantCommand

    /// Creates a command to publish.
    public init(topic: String, key: String, message: ParticipantCommand) {
        self.topic = topic
        self.key = key
        self.message = message
    }
}
