import Foundation
import Logging

/// The ``SagaStore`` in a local SQLite file: the embedded default for a single instance.
///
/// One connection, in WAL mode, owned by a dedicated thread (``SQLiteWorker``): every call is a
/// job on that thread, so calls run one at a time and never block Swift's cooperative pool.
/// Other processes (or a second store on the same file) may open the file too; SQLite's locks
/// and the busy timeout serialize their writes, and partition epochs fence them.
public final class SQLiteSagaStore: SagaStore {
    /// The database file's path.
    public let path: String
    /// The configuration the file was opened with.
    public let configuration: SQLiteConfiguration
    let worker: SQLiteWorker
    let logger: Logger

    /// Opens (creating if needed) a store file and applies pending schema migrations.
    /// - Parameters:
    ///   - path: The database file; `:memory:` for a private in-memory database.
    ///   - configuration: Durability and locking settings.
    ///   - logger: Where the store logs migrations and closing.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/cannotOpen``,
    ///   ``SagaStoreError/Code/notADatabase`` or ``SagaStoreError/Code/schemaTooNew``.
    public init(
        path: String,
        configuration: SQLiteConfiguration = SQLiteConfiguration(),
        logger: Logger = Logger(label: "saga.store.sqlite")
    ) async throws {
        self.path = path
        self.configuration = configuration
        self.logger = logger
        self.worker = try await SQLiteWorker.open(
            path: path, configuration: configuration, schema: .sqliteSagaStore, name: "saga-store-sqlite",
            lifecycle: StoreLifecycle(name: "the SQLite saga store at \(path)"), logger: logger
        )
        logger.debug("opened SQLite saga store", metadata: ["path": "\(path)"])
    }

    deinit {
        worker.stopWithoutWaiting()
    }

    public func schemaVersion() async throws -> Int {
        try await worker.run { try $0.schemaVersion(of: .sqliteSagaStore) }
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

    /// Reads the settings SQLite actually applied, for health checks and tests.
    public func diagnostics() async throws -> SQLiteDiagnostics {
        try await worker.run { connection in
            SQLiteDiagnostics(
                journalMode: try connection.pragma("journal_mode") ?? "",
                synchronous: try connection.pragma("synchronous").flatMap(Int.init) ?? -1,
                cacheSize: try connection.pragma("cache_size").flatMap(Int.init).map { $0 < 0 ? -$0 * 1024 : $0 * 4096 } ?? -1
            )
        }
    }
}

/// Settings read back from an open SQLite database.
public struct SQLiteDiagnostics: Sendable, Hashable {
    /// `PRAGMA journal_mode`: `wal` for a file, `memory` for `:memory:`.
    public var journalMode: String
    /// `PRAGMA synchronous`: 1 for NORMAL, 2 for FULL.
    public var synchronous: Int
    /// `PRAGMA cache_size`, in bytes (a count of pages is taken as 4 KiB pages).
    public var cacheSize: Int
}

/// The wall clock, only for `schema_migrations.applied_at`: store operations take times from callers.
func currentMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
