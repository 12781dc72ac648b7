import Logging

/// The ``SagaStore`` in a PostgreSQL database: how several orchestrator instances share the work.
///
/// Every instance opens its own store on the same database; partition epochs fence them: a
/// commit locks its partition's epoch row and checks it inside its transaction, so a commit racing
/// a ``takePartition(_:)`` by another instance either lands before the epoch moves or fails with
/// ``SagaStoreError/Code/fenced``. Calls run on a pool of connections (see
/// ``PostgresConfiguration/maximumConnections``); a group commit is one transaction of four round
/// trips whatever its size (five with start keys), its rows sent as arrays.
public final class PostgresSagaStore: SagaStore {
    /// Where the store connects; its description shows no password.
    public var configuration: PostgresConfiguration { pool.configuration }
    let pool: PostgresPool
    var logger: Logger { pool.logger }

    /// Connects, applies pending schema migrations and starts the connection pool.
    /// - Parameters:
    ///   - configuration: The server, credentials and pool settings.
    ///   - logger: Where the store logs migrations; PostgresNIO's background events go there too.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/cannotOpen`` (unreachable within
    ///   ``PostgresConfiguration/connectTimeout``, login refused, no such database),
    ///   ``SagaStoreError/Code/schemaTooNew`` or ``SagaStoreError/Code/database``.
    public init(
        configuration: PostgresConfiguration, logger: Logger = Logger(label: "saga.store.postgres")
    ) async throws {
        self.pool = try await PostgresPool.open(configuration, schema: .postgresSagaStore, logger: logger)
    }

    public func schemaVersion() async throws -> Int {
        try await pool.withConnection(doing: "reading the schema version") { connection in
            try await connection.schemaVersion(of: .postgresSagaStore, logger: logger)
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
}
