extension SQLiteSagaStore {
    public func takePartition(_ partition: Int32) async throws -> PartitionLease {
        try await worker.run { connection in
            try connection.transaction(immediate: true) {
                try connection.withStatement(
                    """
                    INSERT INTO partition_epochs (partition, epoch) VALUES (?, 1)
                    ON CONFLICT (partition) DO UPDATE SET epoch = epoch + 1
                    """
                ) { upsert in
                    try upsert.bind(partition, at: 1)
                    try upsert.run()
                }
                guard let epoch = try Self.epoch(of: partition, on: connection) else {
                    throw SagaStoreError(.database, "partition \(partition) has no epoch after taking it")
                }
                return PartitionLease(partition: partition, epoch: epoch)
            }
        }
    }

    public func loadPartition(_ lease: PartitionLease) async throws -> PartitionSnapshot {
        try await worker.run { connection in
            // One read transaction: offsets, sagas and outbox come from the same snapshot.
            try connection.transaction(immediate: false) {
                try Self.checkLease(lease, on: connection)
                var offsets: [String: Int64] = [:]
                try connection.withStatement("SELECT topic, next_offset FROM input_offsets WHERE partition = ?") {
                    try $0.bind(lease.partition, at: 1)
                    while try $0.step() { offsets[$0.string(0)] = $0.int64(1) }
                }
                var sagas: [SagaRecord] = []
                try connection.withStatement(
                    "SELECT \(Self.sagaColumns) FROM sagas WHERE partition = ? AND is_terminal = 0 ORDER BY id"
                ) {
                    try $0.bind(lease.partition, at: 1)
                    while try $0.step() { sagas.append(Self.saga(from: $0)) }
                }
                // Rows of the per-message table (schema version 1) are older than any batch row.
                var outbox: [OutboxRecord] = []
                try connection.withStatement(
                    "SELECT \(Self.outboxColumns) FROM outbox WHERE partition = ? AND sent_at IS NULL ORDER BY id"
                ) {
                    try $0.bind(lease.partition, at: 1)
                    while try $0.step() { outbox.append(try Self.outbox(from: $0)) }
                }
                try connection.withStatement(
                    "SELECT \(Self.outboxBatchColumns) FROM outbox_batches WHERE partition = ? AND sent_at IS NULL ORDER BY id"
                ) {
                    try $0.bind(lease.partition, at: 1)
                    while try $0.step() { outbox += try Self.outboxBatch(from: $0) }
                }
                return PartitionSnapshot(lease: lease, nextOffsets: offsets, activeSagas: sagas, unsentOutbox: outbox)
            }
        }
    }
}
