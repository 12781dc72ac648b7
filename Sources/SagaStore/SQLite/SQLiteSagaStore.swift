import Foundation
import Logging

/// The ``SagaStore`` in a local SQLite file: the embedded default for a single instance.
///
/// One connection, in WAL mode, owned by a dedicated thread (``SQLiteWorker``): every call the
/// orchestrator makes is a job on that thread, so calls run one at a time and never block Swift's
/// cooperative pool. Operators' reads (listings, counts, statistics, a saga's history) run on a
/// second, read-only connection with a thread of its own: in WAL mode a reader and the writer do
/// not wait for each other, so a scan of a large store never holds up the saga loop's commits.
/// Other processes (or a second store on the same file) may open the file too; SQLite's locks
/// and the busy timeout serialize their writes, and partition epochs fence them.
public final class SQLiteSagaStore: SagaStore {
    /// The database file's path.
    public let path: String
    /// The configuration the file was opened with.
    public let configuration: SQLiteConfiguration
    let worker: SQLiteWorker
    /// The operators' reads' connection; `nil` for `:memory:`, a database only its one
    /// connection sees, where they run on ``worker``.
    let reader: SQLiteWorker?
    let logger: Logger

    /// Where operators' reads run.
    var readWorker: SQLiteWorker { reader ?? worker }

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
        let worker = try await SQLiteWorker.open(
            path: path, configuration: configuration, schema: .sqliteSagaStore, name: "saga-store-sqlite",
            lifecycle: StoreLifecycle(name: "the SQLite saga store at \(path)"), logger: logger
        )
        self.worker = worker
        if SQLiteWorker.isPrivateDatabase(path) {
            reader = nil
        } else {
            do {
                reader = try await SQLiteWorker.openReader(
                    path: path, configuration: configuration, name: "saga-store-sqlite-reader", lifecycle: worker.lifecycle, logger: logger
                )
            } catch {
                await worker.stop()
                throw error
            }
        }
        logger.debug("opened SQLite saga store", metadata: ["path": "\(path)"])
    }

    deinit {
        reader?.stopWithoutWaiting()
        worker.stopWithoutWaiting()
    }

    public func schemaVersion() async throws -> Int {
        try await worker.run { try $0.schemaVersion(of: .sqliteSagaStore) }
    }

    /// Accepts calls until graceful shutdown or cancellation, then lets the calls in progress
    /// finish and closes the database.
    /// - Throws: ``SagaStoreError/Code/closed`` if the store ran before: a store runs once.
    public func run() async throws {
        do {
            try await worker.runAsService()
        } catch {
            await reader?.stop()
            throw error
        }
        // The shared lifecycle has finished: the reader refuses new reads and ends the ones it has.
        await reader?.stop()
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
