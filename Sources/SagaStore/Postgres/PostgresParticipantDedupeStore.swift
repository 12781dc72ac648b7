import Logging
import PostgresNIO

/// A ``ParticipantDedupeStore`` in a PostgreSQL database (which may be the saga store's too: each
/// keeps its own tables and migrations), shared by every instance of a participant.
public final class PostgresParticipantDedupeStore: ParticipantDedupeStore {
    /// Where the store connects; its description shows no password.
    public var configuration: PostgresConfiguration { pool.configuration }
    private let pool: PostgresPool
    private var logger: Logger { pool.logger }

    /// Connects, applies pending schema migrations and starts the connection pool.
    /// - Parameters:
    ///   - configuration: The server, credentials and pool settings.
    ///   - logger: Where the store logs migrations; PostgresNIO's background events go there too.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/cannotOpen``,
    ///   ``SagaStoreError/Code/schemaTooNew`` or ``SagaStoreError/Code/database``.
    public init(
        configuration: PostgresConfiguration, logger: Logger = Logger(label: "saga.dedupe.postgres")
    ) async throws {
        self.pool = try await PostgresPool.open(configuration, schema: .postgresParticipantDedupe, logger: logger)
    }

    @discardableResult
    public func record(_ reply: [UInt8], for key: DedupeKey, at time: Int64) async throws -> [UInt8] {
        try await pool.withConnection(doing: "recording a reply") { connection in
            let inserted = try await connection.run(
                """
                INSERT INTO participant_replies (consumer, idempotency_key, reply, recorded_at)
                VALUES (\(key.consumer), \(key.idempotencyKey), \(ByteBuffer(bytes: reply)), \(time))
                ON CONFLICT (consumer, idempotency_key) DO NOTHING
                RETURNING 1
                """,
                logger: logger
            )
            for try await _ in inserted.decode(Int32.self) { return reply }
            // Someone recorded first; a new statement sees their row even if they committed
            // while ours waited.
            return try await Self.reply(for: key, on: connection, logger: logger) ?? reply
        }
    }

    public func reply(for key: DedupeKey) async throws -> [UInt8]? {
        try await pool.withConnection(doing: "reading a reply") { connection in
            try await Self.reply(for: key, on: connection, logger: logger)
        }
    }

    public func purge(recordedBefore cutoff: Int64) async throws -> Int {
        try await pool.withConnection(doing: "purging replies") { connection in
            let rows = try await connection.run(
                """
                WITH deleted AS (DELETE FROM participant_replies WHERE recorded_at < \(cutoff) RETURNING 1)
                SELECT count(*) FROM deleted
                """,
                logger: logger
            )
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// Runs the connection pool until graceful shutdown or cancellation, then closes its
    /// connections; calls are accepted meanwhile.
    /// - Throws: ``SagaStoreError/Code/closed`` if the store ran before: a store runs once.
    public func run() async throws {
        try await pool.run()
    }

    public func waitUntilRunning() async throws {
        try await pool.lifecycle.waitUntilRunning()
    }

    private static func reply(for key: DedupeKey, on connection: PostgresConnection, logger: Logger) async throws -> [UInt8]? {
        let rows = try await connection.run(
            """
            SELECT reply FROM participant_replies
            WHERE consumer = \(key.consumer) AND idempotency_key = \(key.idempotencyKey)
            """,
            logger: logger
        )
        for try await reply in rows.decode(ByteBuffer.self) { return reply.bytes }
        return nil
    }
}
