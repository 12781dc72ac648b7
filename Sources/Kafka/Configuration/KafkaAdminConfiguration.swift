/// Configuration of a ``KafkaAdminClient``.
public struct KafkaAdminConfiguration: Sendable {
    /// `bootstrap.servers`. No default.
    public var bootstrapServers: [String]
    /// `client.id`. Default `"saga-admin"`.
    public var clientID: String = "saga-admin"
    /// Any other librdkafka property, applied last. Default empty.
    public var additionalProperties: [String: String] = [:]

    /// - Parameter bootstrapServers: `host:port` of one or more brokers.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The librdkafka properties this configuration stands for.
    public var properties: [String: String] {
        var properties = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
        ]
        properties.merge(additionalProperties) { _, new in new }
        return properties
    }
}
