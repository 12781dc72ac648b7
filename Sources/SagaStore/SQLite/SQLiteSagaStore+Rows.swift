/// Reading and writing rows of the saga store's tables.
extension SQLiteSagaStore {
    static let sagaColumns =
        "id, type, version, partition, status, is_terminal, business_key, next_deadline, created_at, updated_at, state"

    static func saga(from row: SQLiteStatement) -> SagaRecord {
        SagaRecord(
            id: row.string(0),
            type: row.string(1),
            version: Int(row.int64(2)),
            partition: Int32(truncatingIfNeeded: row.int64(3)),
            status: row.string(4),
            isTerminal: row.int64(5) != 0,
            businessKey: row.optionalString(6),
            nextDeadline: row.optionalInt64(7),
            createdAt: row.int64(8),
            updatedAt: row.int64(9),
            state: row.bytes(10)
        )
    }

    static let outboxColumns = "id, partition, topic, target_partition, key, value, headers, created_at"

    /// A row of the per-message outbox of schema version 1; its record's id is the row id negated,
    /// which tells ``markSent(_:)`` the table.
    static func outbox(from row: SQLiteStatement) throws -> OutboxRecord {
        OutboxRecord(
            id: -row.int64(0),
            sagaPartition: Int32(truncatingIfNeeded: row.int64(1)),
            message: OutboxMessage(
                topic: row.string(2),
                partition: row.optionalInt64(3).map { Int32(truncatingIfNeeded: $0) },
                key: row.optionalBytes(4),
                value: row.optionalBytes(5),
                headers: try OutboxHeaderCodec.decode(row.bytes(6)),
                createdAt: row.int64(7)
            )
        )
    }

    static let outboxBatchColumns = "id, partition, message_count, messages"

    static func outboxBatch(from row: SQLiteStatement) throws -> [OutboxRecord] {
        let id = row.int64(0)
        let partition = Int32(truncatingIfNeeded: row.int64(1))
        return try OutboxBatchCodec.decode(row.bytes(3), expectedCount: Int(row.int64(2))).map {
            OutboxRecord(id: id, sagaPartition: partition, message: $0)
        }
    }

    /// The partition's current epoch, or `nil` if it was never taken.
    static func epoch(of partition: Int32, on connection: SQLiteConnection) throws -> Int64? {
        try connection.withStatement("SELECT epoch FROM partition_epochs WHERE partition = ?") { select in
            try select.bind(partition, at: 1)
            return try select.step() ? select.int64(0) : nil
        }
    }

    /// Throws ``SagaStoreError/Code/fenced`` unless `lease` holds the partition's current epoch.
    static func checkLease(_ lease: PartitionLease, on connection: SQLiteConnection) throws {
        let current = try epoch(of: lease.partition, on: connection)
        guard current == lease.epoch else {
            throw SagaStoreError.fenced(partition: lease.partition, heldEpoch: lease.epoch, currentEpoch: current)
        }
    }
}
