import Kafka
import SagaCore
import SagaStore

/// Read-only questions an operations surface asks of the orchestrator's store, and the producer
/// settings it publishes commands with. Any instance answers for any saga: reads go to the store,
/// and commands go to Kafka, where the owner of the saga's partition applies them.
extension Orchestrator {
    /// A saga by id, terminal or not, with its decoded state; `nil` if there is none.
    /// - Throws: the store's error, or ``SagaCoreError`` when its snapshot cannot be read.
    public func saga(id: String) async throws -> (record: SagaRecord, state: SagaState)? {
        guard let record = try await store.saga(id: id) else { return nil }
        return (record, try SagaStateCodec.decode(record.state))
    }

    /// A page of the store's listing (see ``SagaQuery``).
    public func listSagas(_ query: SagaQuery) async throws -> [SagaRecord] {
        try await store.listSagas(query)
    }

    /// Sagas per status in the store.
    public func countSagasByStatus() async throws -> [String: Int] {
        try await store.countSagasByStatus()
    }

    /// A producer configuration for publishing start commands and controls to this
    /// orchestrator's commands topic: its brokers and Kafka properties, idempotent, acks=all.
    /// - Parameter clientID: the producer's client id.
    public func commandProducerConfiguration(clientID: String) -> KafkaProducerConfiguration {
        var producer = producerConfiguration()
        producer.clientID = clientID
        return producer
    }

    /// A consumer configuration for reading this orchestrator's progress topic by manual
    /// assignment (a live event stream): its brokers and Kafka properties, under `groupID`
    /// (nothing is committed under it).
    public func progressConsumerConfiguration(groupID: String, clientID: String) -> KafkaConsumerConfiguration {
        var consumer = consumerConfiguration()
        consumer.groupID = groupID
        consumer.clientID = clientID
        return consumer
    }
}
