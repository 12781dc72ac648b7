import DedicatedThreads
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A dedicated thread that owns one ``SQLiteConnection`` and runs jobs on it, one at a time, in
/// the order they were submitted.
///
/// SQLite's calls block on disk and on other connections' locks, so they must not run on Swift's
/// cooperative thread pool; callers `await` a job and are resumed through a continuation. The
/// connection is opened, used and closed on this thread only: it never crosses threads.
final class SQLiteWorker: Sendable {
    /// Holds the connection for the thread's jobs.
    ///
    /// `@unchecked Sendable` because it wraps the `sqlite3` pointer: it is written by the first
    /// job and read by the later ones and by the final job, all on the one ``DedicatedThread``,
    /// which runs them one after another.
    private final class ConnectionSlot: @unchecked Sendable {
        var connection: SQLiteConnection?
    }

    private let thread: DedicatedThread
    private let slot = ConnectionSlot()
    /// Whether the owning store runs: jobs are accepted only while it does.
    let lifecycle: StoreLifecycle
    /// Checkpoints the WAL off this thread, when the configuration asks for it.
    private let checkpointer = Mutex<SQLiteCheckpointer?>(nil)

    private init(name: String, lifecycle: StoreLifecycle) {
        thread = DedicatedThread(name: name)
        self.lifecycle = lifecycle
    }

    /// Starts a thread and opens its connection on it.
    /// - Parameters:
    ///   - name: The thread's name, for debuggers.
    ///   - open: Opens (and migrates) the connection; runs on the new thread.
    /// - Throws: What `open` throws; the thread has then ended.
    static func start(
        name: String, lifecycle: StoreLifecycle, open: @escaping @Sendable () throws -> SQLiteConnection
    ) async throws -> SQLiteWorker {
        let worker = SQLiteWorker(name: name, lifecycle: lifecycle)
        let slot = worker.slot
        do {
            try await worker.thread.run(refused: worker.closedError() as any Error) { () throws(any Error) in
                slot.connection = try open()
            }
        } catch {
            await worker.thread.finishAndWait()
            throw error
        }
        return worker
    }

    /// Runs `body` on the worker's thread with its connection and returns its result.
    /// - Throws: What `body` throws; ``SagaStoreError/Code/notRunning`` before the store runs,
    ///   ``SagaStoreError/Code/closed`` after it ran or after ``stop()``.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try lifecycle.checkRunning()
        return try await runUnchecked(body)
    }

    /// Like ``run(_:)`` whether or not the store runs (opening and migrating).
    func runUnchecked<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let slot = slot
        return try await thread.run(refused: closedError() as any Error) { () throws(any Error) in
            guard let connection = slot.connection else { throw self.closedError() }
            return try body(connection)
        }
    }

    /// The owning store's `run()`: accepts jobs until graceful shutdown or cancellation, then
    /// refuses new ones, lets the submitted ones finish and closes the connection.
    /// - Throws: ``SagaStoreError/Code/closed`` if the store ran before.
    func runAsService() async throws {
        try lifecycle.start()
        try? await gracefulShutdown()
        lifecycle.finish()
        await stop()
    }

    /// Finishes the jobs already submitted, closes the connection and ends the thread.
    /// Returns once the connection is closed; if another caller already stopped the worker,
    /// returns at once.
    func stop() async {
        await thread.finishAndWait(closeConnection())
        await takeCheckpointer()?.stop()
    }

    /// Like ``stop()`` without waiting, for `deinit`.
    func stopWithoutWaiting() {
        thread.finish(closeConnection())
        takeCheckpointer()?.stopWithoutWaiting()
    }

    private func closeConnection() -> DedicatedThread.Job {
        { [slot] in
            slot.connection?.close()
            slot.connection = nil
        }
    }

    private func closedError() -> SagaStoreError {
        SagaStoreError(.closed, "\(thread.name) is closed")
    }

    private func takeCheckpointer() -> SQLiteCheckpointer? {
        checkpointer.withLock { checkpointer in
            defer { checkpointer = nil }
            return checkpointer
        }
    }
}

extension SQLiteWorker {
    /// Starts a worker whose connection opens `path` and applies `schema`'s pending migrations.
    /// - Throws: ``SagaStoreError`` from opening or migrating; the thread has then ended.
    static func open(
        path: String, configuration: SQLiteConfiguration, schema: SchemaComponent, name: String,
        lifecycle: StoreLifecycle, logger: Logger
    ) async throws -> SQLiteWorker {
        let background = configuration.checkpointInterval.flatMap { isPrivateDatabase(path) ? nil : $0 }
        let walFrames = SQLiteWALFrames()
        let worker = try await start(name: name, lifecycle: lifecycle) {
            let connection = try SQLiteConnection.open(path: path, configuration: configuration, logger: logger)
            try connection.migrate(schema, now: currentMilliseconds(), logger: logger)
            if background != nil { connection.installWALHook(walFrames) }
            return connection
        }
        if let background {
            worker.checkpointer.withLock {
                $0 = SQLiteCheckpointer(
                    path: path, interval: background, busyTimeout: configuration.busyTimeout, walFrames: walFrames, logger: logger
                )
            }
        }
        return worker
    }

    /// Whether `path` names a private database (`:memory:`, or the empty path's temporary one):
    /// only the connection that opened it sees it, and it has no WAL.
    static func isPrivateDatabase(_ path: String) -> Bool {
        path == ":memory:" || path.isEmpty
    }

    /// Starts a worker whose connection reads `path`, already migrated, and may not write
    /// (`PRAGMA query_only`): operators' reads, beside the writer's commits.
    /// - Parameter lifecycle: the writer's: the reader takes jobs while the store runs.
    /// - Throws: ``SagaStoreError`` from opening; the thread has then ended.
    static func openReader(
        path: String, configuration: SQLiteConfiguration, name: String, lifecycle: StoreLifecycle, logger: Logger
    ) async throws -> SQLiteWorker {
        try await start(name: name, lifecycle: lifecycle) {
            let connection = try SQLiteConnection.open(path: path, configuration: configuration, logger: logger)
            do {
                try connection.execute("PRAGMA query_only = 1")
            } catch {
                connection.close()
                throw error
            }
            return connection
        }
    }
}
