import PostgresNIO

extension PostgresSagaStore {
    public func markSent(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        // Each id once (the records of one batch all carry it); a negative id is a row of the
        // per-message outbox of schema version 1.
        let unique = Set(ids)
        let batchIDs = unique.filter { $0 > 0 }.sorted()
        let legacyIDs = unique.filter { $0 < 0 }.map { -$0 }.sorted()
        try await pool.withConnection(doing: "marking \(unique.count) outbox rows sent") { connection in
            if !batchIDs.isEmpty {
                try await connection.run(
                    "DELETE FROM outbox_batches WHERE id = ANY(\(PostgresArray(batchIDs))::int8[])",
                    logger: logger
                )
            }
            if !legacyIDs.isEmpty {
                try await connection.run(
                    "DELETE FROM outbox WHERE id = ANY(\(PostgresArray(legacyIDs))::int8[])",
                    logger: logger
                )
            }
        }
    }

    public func purge(finishedBefore: Int64) async throws -> PurgeResult {
        try await pool.withConnection(doing: "purging") { connection in
            // One statement, so one transaction. Its parts share a snapshot: a key goes if its saga
            // is deleted here, or if no saga of its id existed before.
            let rows = try await connection.run(
                """
                WITH deleted_sagas AS (
                    DELETE FROM sagas WHERE finished_at < \(finishedBefore) RETURNING id
                ), deleted_keys AS (
                    DELETE FROM start_keys WHERE saga_id IN (SELECT id FROM deleted_sagas)
                        OR NOT EXISTS (SELECT 1 FROM sagas WHERE sagas.id = start_keys.saga_id)
                    RETURNING 1
                ), deleted_progress AS (
                    DELETE FROM saga_progress WHERE saga_id IN (SELECT id FROM deleted_sagas)
                ), deleted_rows AS (
                    DELETE FROM outbox WHERE sent_at IS NOT NULL RETURNING 1
                ), deleted_batches AS (
                    DELETE FROM outbox_batches WHERE sent_at IS NOT NULL RETURNING 1
                )
                SELECT (SELECT count(*) FROM deleted_sagas), (SELECT count(*) FROM deleted_keys),
                    (SELECT count(*) FROM deleted_rows) + (SELECT count(*) FROM deleted_batches)
                """,
                logger: logger
            )
            for try await (sagas, keys, outbox) in rows.decode((Int64, Int64, Int64).self) {
                return PurgeResult(sagas: Int(sagas), startKeys: Int(keys), outboxRows: Int(outbox))
            }
            throw SagaStoreError(.database, "the purge returned no counts")
        }
    }
}
