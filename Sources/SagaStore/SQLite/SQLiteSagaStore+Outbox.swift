extension SQLiteSagaStore {
    public func markSent(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await worker.run { connection in
            try connection.transaction(immediate: true) {
                // Each id once: the records of one batch all carry it.
                for id in Set(ids) {
                    let (table, rowID) = id < 0 ? ("outbox", -id) : ("outbox_batches", id)
                    try connection.withStatement("DELETE FROM \(table) WHERE id = ?") { delete in
                        try delete.bind(rowID, at: 1)
                        try delete.run()
                    }
                }
            }
        }
    }

    public func purge(finishedBefore: Int64) async throws -> PurgeResult {
        try await worker.run { connection in
            try connection.transaction(immediate: true) {
                // Keys first, while their sagas still tell which ones go.
                try connection.withStatement(
                    """
                    DELETE FROM start_keys WHERE saga_id IN (
                        SELECT id FROM sagas WHERE finished_at < ?)
                    """
                ) {
                    try $0.bind(finishedBefore, at: 1)
                    try $0.run()
                }
                var startKeys = connection.changes
                try connection.withStatement(
                    "DELETE FROM saga_progress WHERE saga_id IN (SELECT id FROM sagas WHERE finished_at < ?)"
                ) {
                    try $0.bind(finishedBefore, at: 1)
                    try $0.run()
                }
                try connection.withStatement("DELETE FROM sagas WHERE finished_at < ?") {
                    try $0.bind(finishedBefore, at: 1)
                    try $0.run()
                }
                let sagas = connection.changes
                try connection.withStatement(
                    "DELETE FROM start_keys WHERE NOT EXISTS (SELECT 1 FROM sagas WHERE sagas.id = start_keys.saga_id)"
                ) { try $0.run() }
                startKeys += connection.changes
                var outboxRows = 0
                for table in ["outbox", "outbox_batches"] {
                    try connection.withStatement("DELETE FROM \(table) WHERE sent_at IS NOT NULL") { try $0.run() }
                    outboxRows += connection.changes
                }
                return PurgeResult(sagas: sagas, startKeys: startKeys, outboxRows: outboxRows)
            }
        }
    }
}
