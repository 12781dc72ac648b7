extension SQLiteSagaStore {
    public func recordHeartbeat(_ heartbeat: InstanceHeartbeat) async throws {
        try await worker.run { connection in
            try connection.withStatement(
                """
                INSERT INTO orchestrator_instances (instance_id, host, started_at, last_seen, status) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (instance_id) DO UPDATE SET
                    host = excluded.host, started_at = excluded.started_at, last_seen = excluded.last_seen, status = excluded.status
                """
            ) { upsert in
                try upsert.bind(heartbeat.instanceID, at: 1)
                try upsert.bind(heartbeat.host, at: 2)
                try upsert.bind(heartbeat.startedAt, at: 3)
                try upsert.bind(heartbeat.lastSeen, at: 4)
                try upsert.bind(heartbeat.status, at: 5)
                try upsert.run()
            }
        }
    }

    public func instances(seenSince: Int64, forgetBefore: Int64) async throws -> [InstanceHeartbeat] {
        try await worker.run { connection in
            try connection.transaction(immediate: true) {
                try connection.withStatement("DELETE FROM orchestrator_instances WHERE last_seen < ?") {
                    try $0.bind(forgetBefore, at: 1)
                    try $0.run()
                }
                return try connection.withStatement(
                    """
                    SELECT instance_id, host, started_at, last_seen, status FROM orchestrator_instances
                    WHERE last_seen >= ? ORDER BY instance_id
                    """
                ) { select in
                    try select.bind(seenSince, at: 1)
                    var found: [InstanceHeartbeat] = []
                    while try select.step() {
                        found.append(InstanceHeartbeat(
                            instanceID: select.string(0), host: select.string(1), startedAt: select.int64(2),
                            lastSeen: select.int64(3), status: select.bytes(4)
                        ))
                    }
                    return found
                }
            }
        }
    }
}
