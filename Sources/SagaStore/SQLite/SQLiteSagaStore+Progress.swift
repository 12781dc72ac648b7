extension SQLiteSagaStore {
    /// Adds a batch's progress entries and deletes what falls out of each saga's history.
    static func writeProgress(_ batch: CommitBatch, on connection: SQLiteConnection) throws {
        let entries = batch.progressToWrite
        guard !entries.isEmpty else { return }
        try connection.withStatement(
            """
            INSERT INTO saga_progress (saga_id, sequence, at, kind, phase, latency_ms, event) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (saga_id, sequence) DO NOTHING
            """
        ) { insert in
            for entry in entries {
                insert.reset()
                try insert.bind(entry.sagaID, at: 1)
                try insert.bind(entry.sequence, at: 2)
                try insert.bind(entry.time, at: 3)
                try insert.bind(entry.kind, at: 4)
                try insert.bind(entry.phase, at: 5)
                try insert.bind(entry.latency, at: 6)
                try insert.bind(entry.event, at: 7)
                try insert.run()
            }
        }
        let floors = batch.progressFloors.filter { $0.floor > 1 }
        guard !floors.isEmpty else { return }
        try connection.withStatement("DELETE FROM saga_progress WHERE saga_id = ? AND sequence < ?") { delete in
            for (sagaID, floor) in floors {
                delete.reset()
                try delete.bind(sagaID, at: 1)
                try delete.bind(floor, at: 2)
                try delete.run()
            }
        }
    }

    public func progressHistory(sagaID: String) async throws -> [ProgressEntry] {
        try await readWorker.run { connection in
            try connection.withStatement(
                "SELECT sequence, at, kind, phase, latency_ms, event FROM saga_progress WHERE saga_id = ? ORDER BY sequence"
            ) { select in
                try select.bind(sagaID, at: 1)
                var entries: [ProgressEntry] = []
                while try select.step() {
                    entries.append(ProgressEntry(
                        sagaID: sagaID, sequence: select.int64(0), time: select.int64(1), kind: select.string(2),
                        phase: select.optionalString(3), latency: select.optionalInt64(4), event: select.bytes(5)
                    ))
                }
                return entries
            }
        }
    }

    public func stepLatencies(since: Int64, limit: Int) async throws -> [StepLatency] {
        guard limit > 0 else { return [] }
        return try await readWorker.run { connection in
            try connection.withStatement(
                """
                SELECT coalesce(phase, 'compensate'), latency_ms FROM saga_progress
                WHERE latency_ms IS NOT NULL AND at >= ? ORDER BY at DESC LIMIT ?
                """
            ) { select in
                try select.bind(since, at: 1)
                try select.bind(Int64(limit), at: 2)
                var samples: [StepLatency] = []
                while try select.step() { samples.append(StepLatency(phase: select.string(0), milliseconds: select.int64(1))) }
                return samples
            }
        }
    }

    public func outcomeCounts(finishedSince: Int64) async throws -> [OutcomeCount] {
        try await readWorker.run { connection in
            try connection.withStatement(
                "SELECT type, status, count(*) FROM sagas WHERE finished_at >= ? GROUP BY type, status ORDER BY type, status"
            ) { select in
                try select.bind(finishedSince, at: 1)
                var counts: [OutcomeCount] = []
                while try select.step() {
                    counts.append(OutcomeCount(type: select.string(0), status: select.string(1), count: Int(select.int64(2))))
                }
                return counts
            }
        }
    }
}
