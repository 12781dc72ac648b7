extension SQLiteSagaStore {
    public func markSent(_ ids: [Int64], sentAt: Int64) async throws {
        guard !ids.isEmpty else { return }
        try await worker.run { connection in
            try connection.transaction(immediate: true) {
                try connection.withStatement("UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL") { update in
                    for id in ids {
                        update.reset()
                        try update.bind(sentAt, at: 1)
                        try update.bind(id, at: 2)
                        try update.run()
                    }
                }
            }
        }
    }

    public func purge(finishedBefore: Int64, sentOutboxBefore: Int64) async throws -> PurgeResult {
        try await worker.run { connection in
            try connection.transaction(immediate: true) {
                // Keys first, while their sagas still tell which ones go.
                try connection.withStatement(
                    """
                    DELETE FROM start_keys WHERE saga_id IN (
                        SELECT id FROM sagas WHERE is_terminal = 1 AND updated_at < ?)
                    """
                ) {
                    try $0.bind(finishedBefore, at: 1)
                    try $0.run()
                }
                var startKeys = connection.changes
                try connection.withStatement("DELETE FROM sagas WHERE is_terminal = 1 AND updated_at < ?") {
                    try $0.bind(finishedBefore, at: 1)
                    try $0.run()
                }
                let sagas = connection.changes
                try connection.withStatement(
                    "DELETE FROM start_keys WHERE NOT EXISTS (SELECT 1 FROM sagas WHERE sagas.id = start_keys.saga_id)"
                ) { try $0.run() }
                startKeys += connection.changes
                try connection.withStatement("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?") {
                    try $0.bind(sentOutboxBefore, at: 1)
                    try $0.run()
                }
                return PurgeResult(sagas: sagas, startKeys: startKeys, outboxRows: connection.changes)
            }
        }
    }
}
