import PostgresNIO

/// Reading rows of the saga store's tables.
extension PostgresSagaStore {
    static let sagaColumns =
        "id, type, version, partition, status, is_terminal, business_key, next_deadline, created_at, updated_at, state"

    typealias SagaRow = (String, String, Int64, Int32, String, Bool, String?, Int64?, Int64, Int64, ByteBuffer)

    static func sagas(from rows: PostgresRowSequence) async throws -> [SagaRecord] {
        var sagas: [SagaRecord] = []
        for try await row in rows.decode(SagaRow.self) {
            sagas.append(
                SagaRecord(
                    id: row.0, type: row.1, version: Int(row.2), partition: row.3, status: row.4, isTerminal: row.5,
                    businessKey: row.6, nextDeadline: row.7, createdAt: row.8, updatedAt: row.9, state: row.10.bytes
                )
            )
        }
        return sagas
    }

    static let outboxColumns = "id, partition, topic, target_partition, key, value, headers, created_at"

    /// Rows of the per-message outbox of schema version 1; a record's id is the row id negated,
    /// which tells ``markSent(_:)`` the table.
    static func outbox(from rows: PostgresRowSequence) async throws -> [OutboxRecord] {
        var records: [OutboxRecord] = []
        let columns = (Int64, Int32, String, Int32?, ByteBuffer?, ByteBuffer?, ByteBuffer, Int64).self
        for try await row in rows.decode(columns) {
            records.append(
                OutboxRecord(
                    id: -row.0,
                    sagaPartition: row.1,
                    message: OutboxMessage(
                        topic: row.2, partition: row.3, key: row.4?.bytes, value: row.5?.bytes,
                        headers: try OutboxHeaderCodec.decode(row.6.bytes), createdAt: row.7
                    )
                )
            )
        }
        return records
    }

    static let outboxBatchColumns = "id, partition, message_count, messages"

    static func outboxBatches(from rows: PostgresRowSequence) async throws -> [OutboxRecord] {
        var records: [OutboxRecord] = []
        for try await (id, partition, count, messages) in rows.decode((Int64, Int32, Int32, ByteBuffer).self) {
            records += try OutboxBatchCodec.decode(messages.bytes, expectedCount: Int(count)).map {
                OutboxRecord(id: id, sagaPartition: partition, message: $0)
            }
        }
        return records
    }
}
