import PostgresNIO

extension PostgresSagaStore {
    public func saga(id: String) async throws -> SagaRecord? {
        try await pool.withConnection(doing: "reading saga \(id)") { connection in
            try await Self.sagas(
                from: try await connection.run(
                    "SELECT \(unescaped: Self.sagaColumns) FROM sagas WHERE id = \(id)", logger: logger
                )
            ).first
        }
    }

    public func sagas(ids: [String]) async throws -> [String: SagaRecord] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.withConnection(doing: "reading \(ids.count) sagas") { connection in
            let rows = try await Self.sagas(
                from: try await connection.run(
                    "SELECT \(unescaped: Self.sagaColumns) FROM sagas WHERE id = ANY(\(ids)::text[])", logger: logger
                )
            )
            return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func sagaIDs(startingWith prefix: String, limit: Int) async throws -> [String] {
        guard limit > 0 else { return [] }
        return try await pool.withConnection(doing: "looking up saga ids starting with \(prefix)") { connection in
            // left() compares characters exactly, whatever the database's collation.
            let rows = try await connection.run(
                """
                SELECT id FROM sagas WHERE left(id, char_length(\(prefix)::text)) = \(prefix)::text
                ORDER BY id COLLATE "C" LIMIT \(limit)
                """,
                logger: logger
            )
            var ids: [String] = []
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids
        }
    }

    public func listSagas(_ query: SagaQuery) async throws -> [SagaRecord] {
        guard query.limit > 0 else { return [] }
        let direction = query.order.isNewestFirst ? "DESC" : "ASC"
        let statuses = query.statuses.sorted()
        // Active sagas through sagas_active, finished ones through sagas_finished (where
        // finished_at is the update time), read in one snapshot, then merged.
        let beyond = query.order.isNewestFirst ? "<" : ">"
        let afterTime = query.after?.updatedAt
        let afterID = query.after?.id
        @Sendable func part(_ condition: String, orderedBy column: String, on connection: PostgresConnection) async throws -> [SagaRecord] {
            try await Self.sagas(
                from: try await connection.run(
                    """
                    SELECT \(unescaped: Self.sagaColumns) FROM sagas
                    WHERE \(unescaped: condition)
                        AND (cardinality(\(statuses)::text[]) = 0 OR status = ANY(\(statuses)::text[]))
                        AND (\(query.type)::text IS NULL OR type = \(query.type)::text)
                        AND (\(query.businessKey)::text IS NULL OR business_key = \(query.businessKey)::text)
                        AND (\(query.idPrefix)::text IS NULL OR starts_with(id, \(query.idPrefix)::text))
                        AND (\(afterTime)::bigint IS NULL
                            OR \(unescaped: column) \(unescaped: beyond) \(afterTime)::bigint
                            OR (\(unescaped: column) = \(afterTime)::bigint AND id \(unescaped: beyond) \(afterID)::text))
                    ORDER BY \(unescaped: column) \(unescaped: direction), id \(unescaped: direction)
                    LIMIT \(query.limit)
                    """,
                    logger: logger
                )
            )
        }
        let found = try await pool.transaction(
            doing: "listing sagas", begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        ) { connection in
            (
                try await part("NOT is_terminal", orderedBy: "updated_at", on: connection),
                try await part("finished_at IS NOT NULL", orderedBy: "finished_at", on: connection)
            )
        }
        return query.merged(found.0, found.1)
    }

    public func countSagasByStatus() async throws -> [String: Int] {
        try await pool.withConnection(doing: "counting sagas") { connection in
            let rows = try await connection.run("SELECT status, count(*) FROM sagas GROUP BY status", logger: logger)
            var counts: [String: Int] = [:]
            for try await (status, count) in rows.decode((String, Int64).self) { counts[status] = Int(count) }
            return counts
        }
    }

    public func sagaIDs(forStartKeys keys: [StartKey]) async throws -> [StartKey: String] {
        guard !keys.isEmpty else { return [:] }
        return try await pool.withConnection(doing: "looking up start keys") { connection in
            try await Self.sagaIDs(for: keys, on: connection, logger: logger)
        }
    }
}
