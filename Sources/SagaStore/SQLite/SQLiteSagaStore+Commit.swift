extension SQLiteSagaStore {
    @discardableResult
    public func commit(_ batch: CommitBatch) async throws -> CommitResult {
        try batch.validate()
        return try await worker.run { connection in
            // IMMEDIATE: take the write lock first, so the epoch read below cannot go stale
            // before this transaction commits.
            try connection.transaction(immediate: true) {
                try Self.checkLease(batch.lease, on: connection)
                try Self.upsert(batch.sagas, on: connection)
                try Self.record(batch.nextOffsets, partition: batch.lease.partition, on: connection)
                try Self.register(batch.startKeys, on: connection)
                try Self.writeProgress(batch, on: connection)
                return CommitResult(outbox: try Self.append(batch.outbox, partition: batch.lease.partition, on: connection))
            }
        }
    }

    @discardableResult
    public func commit(all batches: [CommitBatch]) async throws -> [CommitResult] {
        guard !batches.isEmpty else { return [] }
        let partitions = batches.map(\.lease.partition)
        guard Set(partitions).count == partitions.count else {
            throw SagaStoreError(.invalidBatch, "two batches of one commit are for the same partition")
        }
        for batch in batches { try batch.validate() }
        return try await worker.run { connection in
            try connection.transaction(immediate: true) {
                try batches.map { batch in
                    try Self.checkLease(batch.lease, on: connection)
                    try Self.upsert(batch.sagas, on: connection)
                    try Self.record(batch.nextOffsets, partition: batch.lease.partition, on: connection)
                    try Self.register(batch.startKeys, on: connection)
                    try Self.writeProgress(batch, on: connection)
                    return CommitResult(outbox: try Self.append(batch.outbox, partition: batch.lease.partition, on: connection))
                }
            }
        }
    }

    private static func upsert(_ sagas: [SagaRecord], on connection: SQLiteConnection) throws {
        guard !sagas.isEmpty else { return }
        try connection.withStatement(
            """
            INSERT INTO sagas (\(sagaColumns), finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                type = excluded.type, version = excluded.version, partition = excluded.partition,
                status = excluded.status, is_terminal = excluded.is_terminal,
                business_key = excluded.business_key, next_deadline = excluded.next_deadline,
                updated_at = excluded.updated_at, state = excluded.state, finished_at = excluded.finished_at
            """
        ) { upsert in
            for saga in sagas {
                upsert.reset()
                try upsert.bind(saga.id, at: 1)
                try upsert.bind(saga.type, at: 2)
                try upsert.bind(Int64(saga.version), at: 3)
                try upsert.bind(saga.partition, at: 4)
                try upsert.bind(saga.status, at: 5)
                try upsert.bind(saga.isTerminal, at: 6)
                try upsert.bind(saga.businessKey, at: 7)
                try upsert.bind(saga.nextDeadline, at: 8)
                try upsert.bind(saga.createdAt, at: 9)
                try upsert.bind(saga.updatedAt, at: 10)
                try upsert.bind(saga.state, at: 11)
                try upsert.bind(saga.isTerminal ? saga.updatedAt : nil, at: 12)
                try upsert.run()
            }
        }
    }

    private static func record(_ offsets: [String: Int64], partition: Int32, on connection: SQLiteConnection) throws {
        guard !offsets.isEmpty else { return }
        try connection.withStatement(
            """
            INSERT INTO input_offsets (partition, topic, next_offset) VALUES (?, ?, ?)
            ON CONFLICT (partition, topic) DO UPDATE SET next_offset = excluded.next_offset
            """
        ) { upsert in
            for (topic, offset) in offsets {
                upsert.reset()
                try upsert.bind(partition, at: 1)
                try upsert.bind(topic, at: 2)
                try upsert.bind(offset, at: 3)
                try upsert.run()
            }
        }
    }

    private static func register(_ keys: [StartKeyRegistration], on connection: SQLiteConnection) throws {
        guard !keys.isEmpty else { return }
        for registration in keys {
            let inserted = try connection.withStatement(
                """
                INSERT INTO start_keys (saga_type, business_key, saga_id) VALUES (?, ?, ?)
                ON CONFLICT (saga_type, business_key) DO NOTHING
                """
            ) { insert in
                try insert.bind(registration.key.sagaType, at: 1)
                try insert.bind(registration.key.businessKey, at: 2)
                try insert.bind(registration.sagaID, at: 3)
                try insert.run()
                return connection.changes == 1
            }
            guard !inserted else { continue }
            let holder = try sagaID(for: registration.key, on: connection)
            if let holder, holder != registration.sagaID {
                throw SagaStoreError.startKeyConflict(
                    StartKeyConflict(key: registration.key, existingSagaID: holder, attemptedSagaID: registration.sagaID)
                )
            }
        }
    }

    static func sagaID(for key: StartKey, on connection: SQLiteConnection) throws -> String? {
        try connection.withStatement("SELECT saga_id FROM start_keys WHERE saga_type = ? AND business_key = ?") {
            try $0.bind(key.sagaType, at: 1)
            try $0.bind(key.businessKey, at: 2)
            return try $0.step() ? $0.string(0) : nil
        }
    }

    /// Writes a batch's outbox messages as one row; every record returned carries its id.
    private static func append(
        _ messages: [OutboxMessage], partition: Int32, on connection: SQLiteConnection
    ) throws -> [OutboxRecord] {
        guard !messages.isEmpty else { return [] }
        let id = try connection.withStatement(
            "INSERT INTO outbox_batches (partition, message_count, messages, created_at) VALUES (?, ?, ?, ?)"
        ) { insert in
            try insert.bind(partition, at: 1)
            try insert.bind(Int64(messages.count), at: 2)
            try insert.bind(OutboxBatchCodec.encode(messages), at: 3)
            try insert.bind(messages.map(\.createdAt).max() ?? 0, at: 4)
            try insert.run()
            return connection.lastInsertRowID
        }
        return messages.map { OutboxRecord(id: id, sagaPartition: partition, message: $0) }
    }
}
