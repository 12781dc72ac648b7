import Logging
import InMemoryLogging
import SagaStore

/// Small builders for test data.
enum Fixture {
    static func saga(
        _ id: String,
        partition: Int32 = 0,
        type: String = "order",
        status: String = "running",
        isTerminal: Bool = false,
        businessKey: String? = nil,
        nextDeadline: Int64? = nil,
        createdAt: Int64 = 1_000,
        updatedAt: Int64 = 1_000,
        state: [UInt8] = [1, 2, 3]
    ) -> SagaRecord {
        SagaRecord(
            id: id, type: type, version: 1, partition: partition, status: status, isTerminal: isTerminal,
            businessKey: businessKey, nextDeadline: nextDeadline, createdAt: createdAt, updatedAt: updatedAt,
            state: state
        )
    }

    static func message(
        _ text: String,
        topic: String = "participant.payments",
        partition: Int32? = nil,
        headers: [OutboxHeader] = [OutboxHeader(name: "type", value: Array("pending".utf8))]
    ) -> OutboxMessage {
        OutboxMessage(
            topic: topic, partition: partition, key: Array("saga-\(text)".utf8), value: Array(text.utf8),
            headers: headers, createdAt: 2_000
        )
    }

    /// A logger whose entries stay in memory, so tests print nothing.
    static func logger() -> (Logger, InMemoryLogHandler) {
        let handler = InMemoryLogHandler()
        return (Logger(label: "test", factory: { _ in handler }), handler)
    }
}
