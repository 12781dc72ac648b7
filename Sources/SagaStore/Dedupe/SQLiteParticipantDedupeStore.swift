import Logging

/// A ``ParticipantDedupeStore`` in a SQLite file (which may be the saga store's file too: each
/// keeps its own tables and migrations).
public final class SQLiteParticipantDedupeStore: ParticipantDedupeStore {
    /// The database file's path.
    public let path: String
    private let worker: SQLiteWorker

    /// Opens (creating if needed) a dedupe store file and applies pending schema migrations.
    /// - Parameters:
    ///   - path: The database file; `:memory:` for a private in-memory database.
    ///   - configuration: Durability and locking settings.
    ///   - logger: Where the store logs migrations.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/cannotOpen``,
    ///   ``SagaStoreError/Code/notADatabase`` or ``SagaStoreError/Code/schemaTooNew``.
    public init(
        path: String,
        configuration: SQLiteConfiguration = SQLiteConfiguration(),
        logger: Logger = Logger(label: "saga.dedupe.sqlite")
    ) async throws {
        self.path = path
        self.worker = try await SQLiteWorker.open(
            path: path, configuration: configuration, schema: .sqliteParticipantDedupe, name: "saga-dedupe-sqlite",
            lifecycle: StoreLifecycle(name: "the SQLite dedupe store at \(path)"),
            logger: logger
        )
    }

    deinit {
        worker.stopWithoutWaiting()
    }

    @discardableResult
    public func record(_ reply: [UInt8], for key: DedupeKey, at time: Int64) async throws -> [UInt8] {
        try await worker.run { connection in
            try connection.transaction(immediate: true) {
                try connection.withStatement(
                    """
                    INSERT INTO participant_replies (consumer, idempotency_key, reply, recorded_at)
                    VALUES (?, ?, ?, ?) ON CONFLICT (consumer, idempotency_key) DO NOTHING
                    """
                ) {
                    try $0.bind(key.consumer, at: 1)
                    try $0.bind(key.idempotencyKey, at: 2)
                    try $0.bind(reply, at: 3)
                    try $0.bind(time, at: 4)
                    try $0.run()
                }
                if connection.changes == 1 { return reply }
                return try Self.reply(for: key, on: connection) ?? reply
            }
        }
    }

    public func reply(for key: DedupeKey) async throws -> [UInt8]? {
        try await worker.run { try Self.reply(for: key, on: $0) }
    }

    public func purge(recordedBefore cutoff: Int64) async throws -> Int {
        try await worker.run { connection in
            try connection.withStatement("DELETE FROM participant_replies WHERE recorded_at < ?") {
                try $0.bind(cutoff, at: 1)
                try $0.run()
            }
            return connection.changes
        }
    }

    /// Accepts calls until graceful shutdown or cancellation, then lets the calls in progress
    /// finish and closes the database.
    /// - Throws: ``SagaStoreError/Code/closed`` if the store ran before: a store runs once.
    public func run() async throws {
        try await worker.runAsService()
    }

    public func waitUntilRunning() async throws {
        try await worker.lifecycle.waitUntilRunning()
    }

    private static func reply(for key: DedupeKey, on connection: SQLiteConnection) throws -> [UInt8]? {
        try connection.withStatement(
            "SELECT reply FROM participant_replies WHERE consumer = ? AND idempotency_key = ?"
        ) {
            try $0.bind(key.consumer, at: 1)
            try $0.bind(key.idempotencyKey, at: 2)
            return try $0.step() ? $0.bytes(0) : nil
        }
    }
}
