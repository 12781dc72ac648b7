import Logging
import InMemoryLogging
import SagaStore
import Testing

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

    /// Checks what a store does with rows a version-1 store left unsent in its per-message
    /// outbox: on partition 0, an unsent "old" (key "k"), a sent one; on partition 1, an unsent
    /// one. They are loaded before newer rows and deleted when marked sent by their own ids; the
    /// one an older version marked sent is deleted by the next purge.
    static func expectVersionOneOutboxRowsRelayed(by store: any SagaStore) async throws {
        let lease = try await store.takePartition(0)
        let new = try await store.commit(CommitBatch(lease: lease, outbox: [message("new")])).outbox
        let unsent = try await store.loadPartition(lease).unsentOutbox
        #expect(unsent.map(\.message.value) == [Array("old".utf8), Array("new".utf8)])
        #expect(unsent[0].message.key == Array("k".utf8) && unsent[0].message.topic == "participant.payments")
        #expect(unsent[0].id != new[0].id)
        try await store.markSent([unsent[0].id])
        #expect(try await store.loadPartition(lease).unsentOutbox == new)
        try await store.markSent(new.map(\.id))
        #expect(try await store.loadPartition(lease).unsentOutbox.isEmpty)
        #expect(try await store.purge(finishedBefore: 0).outboxRows == 1)
        #expect(try await store.purge(finishedBefore: 0).outboxRows == 0)
    }
}
