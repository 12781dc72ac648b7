/// Kafka header names and values used with every saga message.
public enum SagaHeaders {
    /// The message type (`saga.start`, `saga.control`, `saga.participant.command`, ...).
    public static let messageType = "saga-message-type"
    /// The saga id, so a consumer can route without parsing the value.
    public static let sagaID = "saga-id"
    /// On progress events: the saga's status after the event (`running`, `completed`, ...), so a
    /// consumer that wants, say, only finished sagas skips the others without parsing their value.
    public static let sagaStatus = "saga-status"
    /// The W3C trace context header, copied from the input that caused the message.
    public static let traceparent = "traceparent"
    /// The content type; always ``jsonContentType``.
    public static let contentType = "content-type"
    /// On participant commands: the dead-letter topic, so a participant that cannot read a command
    /// knows where to put it without knowing the orchestrator's topic prefix.
    public static let deadLetterTopic = "saga-dead-letter-topic"
    /// The content type of every saga message.
    public static let jsonContentType = "application/json"
}
