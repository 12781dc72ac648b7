import CSQLite
import Foundation
import Logging
import Synchronization

/// Checkpoints a WAL-mode database from a thread and connection of its own, so the writer's
/// commits never wait for the disk.
///
/// With `synchronous = NORMAL` a commit only appends to the WAL; the disk syncs happen when the
/// WAL is copied back into the database (a checkpoint). SQLite runs that checkpoint inside the
/// commit that crosses the WAL size threshold, and on a virtual disk its two syncs took 110 to
/// 140 ms: a stall every few seconds for every saga in flight. Here a passive checkpoint runs
/// every interval once the WAL holds about 4 MiB, beside the writer and without blocking it, so
/// when the writer's own checkpoint comes (at about 40 MiB, ``SQLiteWALFrames``) it has only the
/// last interval's pages to copy and sync (about 30 ms there).
/// The writer's checkpoint stays: a checkpoint beside a busy writer never copies the very last
/// frames, and only a complete one lets the WAL start over instead of growing.
final class SQLiteCheckpointer: Sendable {
    private struct State {
        var stopping = false
        var ended = false
        /// Callers of ``stop()`` waiting for the thread to close its connection.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    /// Starts the thread; it opens its connection lazily, on its first checkpoint.
    init(path: String, interval: Duration, busyTimeout: Duration, walFrames: SQLiteWALFrames, logger: Logger) {
        let thread = Thread { [self] in
            run(path: path, interval: interval, busyTimeout: busyTimeout, walFrames: walFrames, logger: logger)
            let waiters = state.withLock { state in
                state.ended = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = "saga-sqlite-checkpoint"
        thread.start()
    }

    /// Ends the thread after the checkpoint in progress, if any, and returns once it closed its
    /// connection, so the file is no longer held. It suspends, never blocks: a checkpoint's disk
    /// sync can take seconds on a busy disk, and blocking one of Swift's cooperative threads
    /// for that once stalled a whole test run.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = state.withLock { state in
                state.stopping = true
                if !state.ended { state.waiters.append(continuation) }
                return state.ended
            }
            wakeup.signal()
            if ended { continuation.resume() }
        }
    }

    /// Tells the thread to end without waiting for it, for `deinit`.
    func stopWithoutWaiting() {
        state.withLock { $0.stopping = true }
        wakeup.signal()
    }

    private func run(path: String, interval: Duration, busyTimeout: Duration, walFrames: SQLiteWALFrames, logger: Logger) {
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        while true {
            _ = wakeup.wait(timeout: .now() + .nanoseconds(nanoseconds))
            if state.withLock({ $0.stopping }) { return }
            guard walFrames.count >= SQLiteWALFrames.backgroundThreshold else { continue }
            if handle == nil {
                let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
                guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let opened = handle else {
                    logger.warning("the SQLite checkpoint connection did not open; SQLite checkpoints in commits", metadata: ["path": "\(path)"])
                    return
                }
                sqlite3_busy_timeout(opened, Int32(clamping: busyTimeout.components.seconds * 1000))
                // A connection learns the file is in WAL mode on its first read; until then a
                // checkpoint is a no-op.
                guard sqlite3_exec(opened, "PRAGMA journal_mode = WAL", nil, nil, nil) == SQLITE_OK else {
                    logger.warning("the SQLite checkpoint connection cannot read the file; SQLite checkpoints in commits", metadata: [
                        "path": "\(path)", "error": "\(String(cString: sqlite3_errmsg(opened)))",
                    ])
                    return
                }
            }
            var walFrames: Int32 = 0
            var copiedFrames: Int32 = 0
            let result = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copiedFrames)
            if result != SQLITE_OK && result & 0xFF != SQLITE_BUSY {
                logger.warning("a background SQLite checkpoint failed", metadata: [
                    "path": "\(path)", "error": "\(String(cString: sqlite3_errstr(result)))",
                ])
            }
        }
    }
}

/// The number of frames in a database's WAL after the writer's last commit, shared between the
/// writer's connection (which reports it) and its ``SQLiteCheckpointer`` (which reads it).
final class SQLiteWALFrames: Sendable {
    /// A background checkpoint runs only once the WAL holds this many frames (about 4 MiB):
    /// each one syncs the disk, and a store writing a little now and then should not sync
    /// several times a second.
    static let backgroundThreshold = 1_000
    /// The writer checkpoints in its commit from this many frames (about 40 MiB); by then the
    /// background has copied and synced most of them.
    static let commitThreshold = 10_000

    private let frames = Atomic<Int>(0)

    var count: Int { frames.load(ordering: .relaxed) }

    /// Replaces SQLite's automatic checkpoint on `handle` (the writer) with one that records the
    /// WAL's size and checkpoints from ``commitThreshold`` frames. `self` must outlive the
    /// connection.
    func install(on handle: OpaquePointer) {
        sqlite3_wal_hook(handle, { context, database, name, frames in
            guard let context else { return SQLITE_OK }
            let counter = Unmanaged<SQLiteWALFrames>.fromOpaque(context).takeUnretainedValue()
            counter.frames.store(Int(frames), ordering: .relaxed)
            if Int(frames) >= SQLiteWALFrames.commitThreshold {
                sqlite3_wal_checkpoint_v2(database, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
