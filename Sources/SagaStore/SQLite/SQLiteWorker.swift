import Foundation
import Logging
import Synchronization

/// A dedicated thread that owns one ``SQLiteConnection`` and runs jobs on it, one at a time, in
/// the order they were submitted.
///
/// SQLite's calls block on disk and on other connections' locks, so they must not run on Swift's
/// cooperative thread pool; callers `await` a job and are resumed through a continuation. The
/// connection is opened, used and closed on this thread only: it never crosses threads.
final class SQLiteWorker: Sendable {
    private typealias Job = @Sendable (SQLiteConnection) -> Void

    private enum Item: Sendable {
        case job(Job)
        case stop(@Sendable () -> Void)
    }

    private struct State: Sendable {
        var items: [Item] = []
        var stopped = false
    }

    private let state = Mutex(State())
    /// Signalled once per item appended; the thread waits on it when it has nothing to do.
    private let wakeup = DispatchSemaphore(value: 0)
    /// The thread's name, for errors.
    private let name: String
    /// Checkpoints the WAL off this thread, when the configuration asks for it.
    private let checkpointer = Mutex<SQLiteCheckpointer?>(nil)

    private init(name: String) {
        self.name = name
    }

    /// Starts a thread and opens its connection on it.
    /// - Parameters:
    ///   - name: The thread's name, for debuggers.
    ///   - open: Opens (and migrates) the connection; runs on the new thread.
    /// - Throws: What `open` throws; the thread has then ended.
    static func start(
        name: String, open: @escaping @Sendable () throws -> SQLiteConnection
    ) async throws -> SQLiteWorker {
        let worker = SQLiteWorker(name: name)
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread { worker.main(open: open, started: started) }
            thread.name = name
            thread.start()
        }
        return worker
    }

    /// Runs `body` on the worker's thread with its connection and returns its result.
    /// - Throws: What `body` throws, or ``SagaStoreError/Code/closed`` after ``stop()``.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job: Job = { connection in continuation.resume(with: Result { try body(connection) }) }
            if !submit(.job(job)) {
                continuation.resume(throwing: SagaStoreError(.closed, "\(name) is closed"))
            }
        }
    }

    /// Finishes the jobs already submitted, closes the connection and ends the thread.
    /// Returns once the connection is closed; if another caller already stopped the worker,
    /// returns at once.
    func stop() async {
        await withCheckedContinuation { continuation in
            if !submit(.stop({ continuation.resume() }), stopping: true) {
                continuation.resume()
            }
        }
        await takeCheckpointer()?.stop()
    }

    /// Like ``stop()`` without waiting, for `deinit`.
    func stopWithoutWaiting() {
        _ = submit(.stop({}), stopping: true)
        takeCheckpointer()?.stopWithoutWaiting()
    }

    private func takeCheckpointer() -> SQLiteCheckpointer? {
        checkpointer.withLock { checkpointer in
            defer { checkpointer = nil }
            return checkpointer
        }
    }

    private func submit(_ item: Item, stopping: Bool = false) -> Bool {
        let accepted = state.withLock { state in
            guard !state.stopped else { return false }
            state.items.append(item)
            state.stopped = stopping
            return true
        }
        if accepted { wakeup.signal() }
        return accepted
    }

    private func main(open: () throws -> SQLiteConnection, started: CheckedContinuation<Void, any Error>) {
        let connection: SQLiteConnection
        do {
            connection = try open()
        } catch {
            state.withLock { $0.stopped = true }
            started.resume(throwing: error)
            return
        }
        started.resume()
        while true {
            wakeup.wait()
            let item = state.withLock { $0.items.removeFirst() }
            switch item {
            case .job(let job):
                job(connection)
            case .stop(let stopped):
                connection.close()
                stopped()
                return
            }
        }
    }
}

extension SQLiteWorker {
    /// Starts a worker whose connection opens `path` and applies `schema`'s pending migrations.
    /// - Throws: ``SagaStoreError`` from opening or migrating; the thread has then ended.
    static func open(
        path: String, configuration: SQLiteConfiguration, schema: SchemaComponent, name: String, logger: Logger
    ) async throws -> SQLiteWorker {
        let background = configuration.checkpointInterval.flatMap { path != ":memory:" && !path.isEmpty ? $0 : nil }
        let walFrames = SQLiteWALFrames()
        let worker = try await start(name: name) {
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
}
