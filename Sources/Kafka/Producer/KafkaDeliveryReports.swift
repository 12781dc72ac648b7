/// The outcomes of a batch send, one per message in the order sent.
///
/// A view over the batch's delivery records: each `Result` is built when read, so a batch of
/// many thousand messages costs no array of results until one is asked for.
public struct KafkaDeliveryReports: RandomAccessCollection, Sendable {
    private let batch: DeliveryBatch
    private let messages: [KafkaProducerMessage]

    init(batch: DeliveryBatch, messages: [KafkaProducerMessage]) {
        self.batch = batch
        self.messages = messages
    }

    /// Always 0.
    public var startIndex: Int { 0 }
    /// The number of messages sent.
    public var endIndex: Int { messages.count }

    /// The outcome of message `index`: where it was stored, or why it was not.
    public subscript(index: Int) -> Result<KafkaDeliveryReport, KafkaError> {
        precondition(indices.contains(index), "index out of range")
        return batch.outcome(index, topic: messages[index].topic)
    }

    /// How many messages were not delivered.
    public var failureCount: Int { batch.failureCount }
    /// The first failure, if any.
    public var firstFailure: KafkaError? {
        for result in self { if case .failure(let error) = result { return error } }
        return nil
    }
}

/// A batch handed to librdkafka by ``KafkaProducer/enqueue(_:)`` whose outcomes are still coming.
public struct KafkaPendingDelivery: Sendable {
    let batch: DeliveryBatch
    let messages: [KafkaProducerMessage]

    /// Waits until every message has an outcome and returns them, in the batch's order.
    public func reports() async -> KafkaDeliveryReports {
        await batch.waitForAll()
        return KafkaDeliveryReports(batch: batch, messages: messages)
    }
}
