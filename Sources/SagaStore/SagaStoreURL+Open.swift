import Foundation
import Logging

extension SagaStoreURL {
    /// Opens the saga store this URL names.
    /// - Parameters:
    ///   - sqlite: Settings used when the URL is a SQLite file.
    ///   - environment: Where a PostgreSQL URL's missing parts come from (`PGHOST`, `PGUSER`,
    ///     `PGPASSWORD`, ...; see ``PostgresConfiguration/init(url:environment:)``); the process's
    ///     by default.
    ///   - logger: The store's logger.
    /// - Throws: ``SagaStoreError`` from parsing the URL or opening the store; no message contains
    ///   a password.
    public func openSagaStore(
        sqlite: SQLiteConfiguration = SQLiteConfiguration(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "saga.store")
    ) async throws -> any SagaStore {
        switch backend {
        case .sqlite:
            return try await SQLiteSagaStore(path: location, configuration: sqlite, logger: logger)
        default:
            return try await PostgresSagaStore(
                configuration: PostgresConfiguration(url: location, environment: environment), logger: logger
            )
        }
    }

    /// Opens the participant dedupe store this URL names.
    /// - Throws: Like ``openSagaStore(sqlite:environment:logger:)``.
    public func openParticipantDedupeStore(
        sqlite: SQLiteConfiguration = SQLiteConfiguration(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "saga.dedupe")
    ) async throws -> any ParticipantDedupeStore {
        switch backend {
        case .sqlite:
            return try await SQLiteParticipantDedupeStore(path: location, configuration: sqlite, logger: logger)
        default:
            return try await PostgresParticipantDedupeStore(
                configuration: PostgresConfiguration(url: location, environment: environment), logger: logger
            )
        }
    }
}
