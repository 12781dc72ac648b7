import PostgresNIO

extension PostgresSagaStore {
    public func takePartition(_ partition: Int32) async throws -> PartitionLease {
        try await pool.withConnection(doing: "taking partition \(partition)") { connection in
            // One statement: the row lock it takes waits for a commit holding the row, and a
            // commit that comes after it reads the new epoch.
            let rows = try await connection.run(
                """
                INSERT INTO partition_epochs (partition, epoch) VALUES (\(partition), 1)
                ON CONFLICT (partition) DO UPDATE SET epoch = partition_epochs.epoch + 1
                RETURNING epoch
                """,
                logger: logger
            )
            for try await epoch in rows.decode(Int64.self) {
                return PartitionLease(partition: partition, epoch: epoch)
            }
            throw SagaStoreError(.database, "partition \(partition) has no epoch after taking it")
        }
    }

    public func loadPartition(_ lease: PartitionLease) async throws -> PartitionSnapshot {
        // One snapshot for the epoch, offsets, sagas and outbox.
        try await pool.transaction(
            doing: "loading \(lease)", begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        ) { connection in
            let epochs = try await Self.epochs(of: [lease.partition], on: connection, lock: false, logger: logger)
            try Self.check(lease, against: epochs)
            var offsets: [String: Int64] = [:]
            let offsetRows = try await connection.run(
                "SELECT topic, next_offset FROM input_offsets WHERE partition = \(lease.partition)", logger: logger
            )
            for try await (topic, offset) in offsetRows.decode((String, Int64).self) { offsets[topic] = offset }
            let sagas = try await Self.sagas(
                from: try await connection.run(
                    """
                    SELECT \(unescaped: Self.sagaColumns) FROM sagas
                    WHERE partition = \(lease.partition) AND NOT is_terminal ORDER BY id
                    """,
                    logger: logger
                )
            )
            // Rows of the per-message outbox (schema version 1) are older than any batch row.
            var outbox = try await Self.outbox(
                from: try await connection.run(
                    """
                    SELECT \(unescaped: Self.outboxColumns) FROM outbox
                    WHERE partition = \(lease.partition) AND sent_at IS NULL ORDER BY id
                    """,
                    logger: logger
                )
            )
            outbox += try await Self.outboxBatches(
                from: try await connection.run(
                    """
                    SELECT \(unescaped: Self.outboxBatchColumns) FROM outbox_batches
                    WHERE partition = \(lease.partition) AND sent_at IS NULL ORDER BY id
                    """,
                    logger: logger
                )
            )
            return PartitionSnapshot(lease: lease, nextOffsets: offsets, activeSagas: sagas, unsentOutbox: outbox)
        }
    }

    /// The current epoch of each partition ever taken among `partitions`; with `lock`, their rows
    /// stay locked (in partition order, so two group commits cannot deadlock) until the
    /// transaction ends, and a concurrent ``takePartition(_:)`` waits for it.
    static func epochs(
        of partitions: [Int32], on connection: PostgresConnection, lock: Bool, logger: Logger
    ) async throws -> [Int32: Int64] {
        let rows = try await connection.run(
            """
            SELECT partition, epoch FROM partition_epochs WHERE partition = ANY(\(partitions)::int4[])
            ORDER BY partition \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        var epochs: [Int32: Int64] = [:]
        for try await (partition, epoch) in rows.decode((Int32, Int64).self) { epochs[partition] = epoch }
        return epochs
    }

    /// Throws ``SagaStoreError/Code/fenced`` unless `lease` holds its partition's current epoch.
    static func check(_ lease: PartitionLease, against epochs: [Int32: Int64]) throws {
        let current = epochs[lease.partition]
        guard current == lease.epoch else {
            throw SagaStoreError.fenced(partition: lease.partition, heldEpoch: lease.epoch, currentEpoch: current)
        }
    }
}
