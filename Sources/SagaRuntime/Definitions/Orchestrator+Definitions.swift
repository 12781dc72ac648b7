import Kafka
import Logging
import SagaCore

extension Orchestrator {
    /// Publishes every registered definition to the definitions topic, keyed `type@version`.
    /// A missing topic or a failed send is logged, never fatal: only the clients' check of saga
    /// types depends on it.
    static func publishDefinitions(_ definitions: [SagaDefinition], topic: String, producer: KafkaProducer, logger: Logger) async {
        do {
            guard try await !producer.partitions(of: topic, timeout: .seconds(10)).isEmpty else {
                logger.warning("the definitions topic has no partitions; clients cannot check saga types", metadata: ["topic": "\(topic)"])
                return
            }
        } catch {
            logger.warning("the definitions topic is missing; clients cannot check saga types (create it compacted, or let the orchestrator create topics)", metadata: [
                "topic": "\(topic)", "error": "\(error)",
            ])
            return
        }
        var messages: [KafkaProducerMessage] = []
        for definition in definitions {
            let published = PublishedDefinition(definition)
            guard let value = try? published.encoded() else { continue }
            messages.append(KafkaProducerMessage(
                topic: topic, key: Array(published.key.utf8), value: value,
                headers: [KafkaHeader(name: SagaHeaders.messageType, value: PublishedDefinition.messageType)]
            ))
        }
        let reports = await producer.send(messages)
        if let failure = reports.firstFailure {
            logger.warning("publishing the saga definitions failed", metadata: ["topic": "\(topic)", "error": "\(failure)"])
        } else {
            logger.info("published the saga definitions", metadata: ["topic": "\(topic)", "count": "\(messages.count)"])
        }
    }
}
