import PostgresNIO

/// The operations views: progress history, instance heartbeats, outcome counts and step latencies.
extension PostgresSagaStore {
    public func progressHistory(sagaID: String) async throws -> [ProgressEntry] {
        try await pool.withConnection(doing: "reading the progress history of saga \(sagaID)") { connection in
            let rows = try await connection.run(
                """
                SELECT sequence, at, kind, phase, latency_ms, event FROM saga_progress
                WHERE saga_id = \(sagaID) ORDER BY sequence
                """,
                logger: logger
            )
            var entries: [ProgressEntry] = []
            for try await (sequence, time, kind, phase, latency, event) in rows.decode((Int64, Int64, String, String?, Int64?, ByteBuffer).self) {
                entries.append(ProgressEntry(
                    sagaID: sagaID, sequence: sequence, time: time, kind: kind, phase: phase, latency: latency, event: event.bytes
                ))
            }
            return entries
        }
    }

    public func stepLatencies(since: Int64, limit: Int) async throws -> [StepLatency] {
        guard limit > 0 else { return [] }
        return try await pool.withConnection(doing: "reading step latencies") { connection in
            let rows = try await connection.run(
                """
                SELECT coalesce(phase, 'compensate'), latency_ms FROM saga_progress
                WHERE latency_ms IS NOT NULL AND at >= \(since) ORDER BY at DESC LIMIT \(Int64(limit))
                """,
                logger: logger
            )
            var samples: [StepLatency] = []
            for try await (phase, latency) in rows.decode((String, Int64).self) {
                samples.append(StepLatency(phase: phase, milliseconds: latency))
            }
            return samples
        }
    }

    public func outcomeCounts(finishedSince: Int64) async throws -> [OutcomeCount] {
        try await pool.withConnection(doing: "counting finished sagas") { connection in
            let rows = try await connection.run(
                """
                SELECT type, status, count(*) FROM sagas WHERE finished_at >= \(finishedSince)
                GROUP BY type, status ORDER BY type, status
                """,
                logger: logger
            )
            var counts: [OutcomeCount] = []
            for try await (type, status, count) in rows.decode((String, String, Int64).self) {
                counts.append(OutcomeCount(type: type, status: status, count: Int(count)))
            }
            return counts
        }
    }

    public func recordHeartbeat(_ heartbeat: InstanceHeartbeat) async throws {
        try await pool.withConnection(doing: "recording the heartbeat of \(heartbeat.instanceID)") { connection in
            _ = try await connection.run(
                """
                INSERT INTO orchestrator_instances (instance_id, host, started_at, last_seen, status)
                VALUES (\(heartbeat.instanceID), \(heartbeat.host), \(heartbeat.startedAt), \(heartbeat.lastSeen),
                    \(ByteBuffer(bytes: heartbeat.status)))
                ON CONFLICT (instance_id) DO UPDATE SET
                    host = excluded.host, started_at = excluded.started_at, last_seen = excluded.last_seen, status = excluded.status
                """,
                logger: logger
            )
        }
    }

    public func instances(seenSince: Int64, forgetBefore: Int64) async throws -> [InstanceHeartbeat] {
        try await pool.withConnection(doing: "listing orchestrator instances") { connection in
            _ = try await connection.run("DELETE FROM orchestrator_instances WHERE last_seen < \(forgetBefore)", logger: logger)
            let rows = try await connection.run(
                """
                SELECT instance_id, host, started_at, last_seen, status FROM orchestrator_instances
                WHERE last_seen >= \(seenSince) ORDER BY instance_id
                """,
                logger: logger
            )
            var found: [InstanceHeartbeat] = []
            for try await (id, host, started, seen, status) in rows.decode((String, String, Int64, Int64, ByteBuffer).self) {
                found.append(InstanceHeartbeat(instanceID: id, host: host, startedAt: started, lastSeen: seen, status: status.bytes))
            }
            return found
        }
    }
}
