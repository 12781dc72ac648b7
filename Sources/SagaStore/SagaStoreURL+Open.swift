import Logging

extension SagaStoreURL {
    /// Opens the saga store this URL names.
    /// - Parameters:
    ///   - sqlite: Settings used when the URL is a SQLite file.
    ///   - logger: The store's logger.
    /// - Throws: ``SagaStoreError`` from opening, or ``SagaStoreError/Code/backendNotAvailable``
    ///   for PostgreSQL, which this build does not have yet.
    public func openSagaStore(
        sqlite: SQLiteConfiguration = SQLiteConfiguration(),
        logger: Logger = Logger(label: "saga.store")
    ) async throws -> any SagaStore {
        switch backend {
        case .sqlite:
            return try await SQLiteSagaStore(path: location, configuration: sqlite, logger: logger)
        default:
            throw notAvailable()
        }
    }

    /// Opens the participant dedupe store this URL names.
    /// - Throws: Like ``openSagaStore(sqlite:logger:)``.
    public func openParticipantDedupeStore(
        sqlite: SQLiteConfiguration = SQLiteConfiguration(),
        logger: Logger = Logger(label: "saga.dedupe")
    ) async throws -> any ParticipantDedupeStore {
        switch backend {
        case .sqlite:
            return try await SQLiteParticipantDedupeStore(path: location, configuration: sqlite, logger: logger)
        default:
            throw notAvailable()
        }
    }

    private func notAvailable() -> SagaStoreError {
        SagaStoreError(
            .backendNotAvailable,
            "the \(backend) store (\(self)) is not built yet: use sqlite:PATH"
        )
    }
}
