import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A store's pooled connections to one database: a `PostgresClient` that runs inside the store's
/// own `run()` (``run()`` here), so the pool lives exactly as long as the store's `Service`.
///
/// Opening first logs in on one plain connection, within the configured connect timeout, so an
/// unreachable server or a refused login is a clear ``SagaStoreError/Code/cannotOpen`` at once
/// (the pool itself would only retry in the background); that connection applies the schema
/// migrations, then closes.
final class PostgresPool: Sendable {
    let configuration: PostgresConfiguration
    let logger: Logger
    private let client: PostgresClient
    /// Calls are accepted only while ``run()`` runs.
    let lifecycle: StoreLifecycle

    private init(configuration: PostgresConfiguration, client: PostgresClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.lifecycle = StoreLifecycle(name: "the store on \(configuration)")
    }

    /// Logs in, applies `schema`'s pending migrations and starts the pool.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/cannotOpen`` (unreachable, login
    ///   refused, no such database, timed out), ``SagaStoreError/Code/schemaTooNew`` or
    ///   ``SagaStoreError/Code/database``. No message contains the password.
    static func open(
        _ configuration: PostgresConfiguration, schema: SchemaComponent, logger: Logger
    ) async throws -> PostgresPool {
        let connection = try await connect(configuration, logger: logger)
        do {
            try await connection.migrate(schema, now: currentMilliseconds(), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw PostgresPool.storeError(error, configuration: configuration, doing: "migrating")
        }
        let client = PostgresClient(
            configuration: clientConfiguration(configuration), backgroundLogger: logger
        )
        logger.debug("opened PostgreSQL store", metadata: ["database": "\(configuration)"])
        return PostgresPool(configuration: configuration, client: client, logger: logger)
    }

    /// Runs `body` with a pooled connection, outside any transaction.
    @discardableResult
    func withConnection<T: Sendable>(
        doing action: String, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try lifecycle.checkRunning()
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            throw storeError(error, doing: action)
        }
    }

    /// Runs `body` in a transaction on a pooled connection: committed if it returns, rolled back
    /// if it throws.
    /// - Parameter begin: The statement that opens the transaction (to set its isolation level).
    ///
    /// A transaction whose connection closed before its `COMMIT` was sent (the server ended the
    /// session, and so rolled it back) runs once more on another connection: nothing of the first
    /// try was written. One that lost its connection during `COMMIT` may have been written, and
    /// fails.
    func transaction<T: Sendable>(
        doing action: String, begin: PostgresQuery = "BEGIN", _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try lifecycle.checkRunning()
        var tries = 0
        while true {
            tries += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.transaction(begin: begin, logger: logger) { try await body($0) }
                }
            } catch let lost as TransactionRolledBackByClose where tries == 1 {
                logger.warning("the connection closed in the middle of a transaction, which the server rolled back; trying it again on another connection", metadata: [
                    "doing": "\(action)", "error": "\(Self.describe(lost.cause))",
                ])
            } catch let lost as TransactionRolledBackByClose {
                throw storeError(lost.cause, doing: action)
            } catch {
                throw storeError(error, doing: action)
            }
        }
    }

    /// Runs the pool until graceful shutdown or cancellation, then refuses new calls and closes
    /// its connections.
    /// - Throws: ``SagaStoreError/Code/closed`` if the store ran before: a store runs once.
    func run() async throws {
        try lifecycle.start()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            try? await gracefulShutdown()
            lifecycle.finish()
            group.cancelAll()
        }
        logger.debug("closed PostgreSQL store", metadata: ["database": "\(configuration)"])
    }

    private func closedError() -> SagaStoreError {
        SagaStoreError(.closed, "the store on \(configuration) is closed")
    }

    /// `error` as a ``SagaStoreError`` (``SagaStoreError/Code/closed`` once the pool is closed).
    private func storeError(_ error: any Error, doing action: String) -> any Error {
        if lifecycle.isFinished, !(error is SagaStoreError) { return closedError() }
        return Self.storeError(error, configuration: configuration, doing: action)
    }
}

// MARK: - Connecting

extension PostgresPool {
    /// One connection, logged in within `configuration.connectTimeout`.
    private static func connect(_ configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        let connectionConfiguration = try self.connectionConfiguration(configuration)
        let timeout = configuration.connectTimeout
        do {
            return try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
                group.addTask {
                    try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let connection = try await group.next() ?? nil else {
                    // A login that completes just as the time runs out is closed, not leaked.
                    group.cancelAll()
                    while let late = try? await group.next() { try? await late?.close() }
                    throw SagaStoreError(
                        .cannotOpen,
                        "cannot connect to PostgreSQL at \(configuration): no answer within \(timeout) (connect_timeout)"
                    )
                }
                return connection
            }
        } catch let error as SagaStoreError {
            throw error
        } catch {
            throw SagaStoreError(
                .cannotOpen, "cannot connect to PostgreSQL at \(configuration): \(describe(error))", underlying: error
            )
        }
    }

    private static func connectionConfiguration(
        _ configuration: PostgresConfiguration
    ) throws -> PostgresConnection.Configuration {
        var result: PostgresConnection.Configuration
        switch configuration.endpoint.kind {
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS =
                switch tlsConfiguration(configuration.tls) {
                case nil: .disable
                case let (tls, required)?:
                    required ? .require(try NIOSSLContext(configuration: tls)) : .prefer(try NIOSSLContext(configuration: tls))
                }
            result = PostgresConnection.Configuration(
                host: host, port: port, username: configuration.username, password: configuration.password,
                database: configuration.database, tls: tls
            )
        case .unixSocket(let path):
            result = PostgresConnection.Configuration(
                unixSocketPath: path, username: configuration.username, password: configuration.password,
                database: configuration.database
            )
        }
        // Later than the bound on the whole login in connect(_:logger:), which then always
        // speaks first, with one message whichever step hangs.
        result.options.connectTimeout = .nanoseconds((configuration.connectTimeout + .seconds(1)).nanoseconds)
        return result
    }

    private static func clientConfiguration(_ configuration: PostgresConfiguration) -> PostgresClient.Configuration {
        var result: PostgresClient.Configuration
        switch configuration.endpoint.kind {
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS =
                switch tlsConfiguration(configuration.tls) {
                case nil: .disable
                case let (tls, required)?: required ? .require(tls) : .prefer(tls)
                }
            result = PostgresClient.Configuration(
                host: host, port: port, username: configuration.username, password: configuration.password,
                database: configuration.database, tls: tls
            )
        case .unixSocket(let path):
            result = PostgresClient.Configuration(
                unixSocketPath: path, username: configuration.username, password: configuration.password,
                database: configuration.database
            )
        }
        result.options.connectTimeout = configuration.connectTimeout
        result.options.maximumConnections = configuration.maximumConnections
        // An instance frozen (paused, swapped out, cut off) in the middle of a commit holds its
        // partitions' rows locked, and the instance taking them over waits for those locks. The
        // server ends such a transaction after 50 s, inside the runtime's 60 s bound on taking a
        // partition, so a frozen instance can delay a takeover but never make it fail. Woken, the
        // frozen instance finds its session gone and tries the transaction again on another
        // connection (see transaction(doing:begin:_:)), where it is fenced.
        result.options.additionalStartupParameters = [("idle_in_transaction_session_timeout", "50s")]
        return result
    }

    /// The TLS settings for a mode and whether TLS is required; `nil` for no TLS.
    private static func tlsConfiguration(_ mode: PostgresConfiguration.TLSMode) -> (TLSConfiguration, required: Bool)? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable:
            return nil
        case .verifyFull:
            return (tls, true)
        default:
            // libpq's prefer and require encrypt without checking who answers.
            tls.certificateVerification = .none
            return (tls, mode == .require)
        }
    }
}

// MARK: - Errors

extension PostgresPool {
    /// `error` as a ``SagaStoreError``; what the server said is kept, the password never appears.
    static func storeError(_ error: any Error, configuration: PostgresConfiguration, doing action: String) -> any Error {
        switch error {
        case is SagaStoreError, is CancellationError:
            return error
        default:
            return SagaStoreError(
                .database, "PostgreSQL failed \(action) on \(configuration): \(describe(error))", underlying: error
            )
        }
    }

    /// What the server or the network said, without the query's bound values.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            var text = info[.message] ?? "server error"
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
