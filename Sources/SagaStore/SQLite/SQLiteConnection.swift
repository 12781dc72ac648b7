import CSQLite
import Logging

/// The owner of one `sqlite3` connection and its statement cache.
///
/// Not `Sendable`: it is made, used and closed on one ``SQLiteWorker`` thread only, so it needs
/// no locking (opened with `SQLITE_OPEN_NOMUTEX`).
final class SQLiteConnection {
    private var handle: OpaquePointer?
    /// The WAL hook's context, kept as long as the connection is open.
    private var walHook: SQLiteWALFrames?
    private var statements: [String: SQLiteStatement] = [:]
    let path: String

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit {
        close()
    }

    /// Opens (creating if needed) a database file and applies the configuration.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/cannotOpen`` or
    ///   ``SagaStoreError/Code/notADatabase``.
    static func open(path: String, configuration: SQLiteConfiguration, logger: Logger) throws -> SQLiteConnection {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SagaStoreError(
                .cannotOpen, "cannot open SQLite database at '\(path)': \(message)", databaseResultCode: result
            )
        }
        let connection = SQLiteConnection(handle: handle, path: path)
        sqlite3_extended_result_codes(handle, 1)
        let milliseconds = configuration.busyTimeout.components.seconds * 1000
            + configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
        do {
            // The first read of the file: a file that is not a database fails here.
            let journalMode = try connection.pragma("journal_mode = WAL")
            if journalMode != "wal" && path != ":memory:" {
                // For example on a file system without shared memory: still correct, but readers
                // then block the writer.
                logger.warning(
                    "SQLite did not switch to WAL mode", metadata: ["path": "\(path)", "mode": "\(journalMode ?? "")"]
                )
            }
            try connection.execute("PRAGMA synchronous = \(configuration.synchronous.pragmaValue)")
            // A negative cache size is in KiB.
            try connection.execute("PRAGMA cache_size = -\(max(1, configuration.cacheSize / 1024))")
            // Checkpoint every ~40 MiB of WAL instead of every 4 MiB: hot pages (active sagas,
            // the outbox tail) are copied to the database file ten times less often. With a
            // background checkpointer (``SQLiteCheckpointer``) most of that WAL is already copied
            // and synced, so this checkpoint, in the commit, is short; it is what lets the WAL
            // start over (a checkpoint running beside the writer never quite catches up).
            try connection.execute("PRAGMA wal_autocheckpoint = 10000")
        } catch let error as SagaStoreError where error.databaseResultCode.map({ $0 & 0xFF }) == SQLITE_NOTADB {
            throw SagaStoreError(
                .notADatabase,
                "'\(path)' is not a SQLite database (or it is encrypted or corrupt)",
                underlying: error, databaseResultCode: error.databaseResultCode
            )
        }
        return connection
    }

    /// Has `walFrames` record the WAL's size after each commit, in place of SQLite's automatic
    /// checkpoint (``SQLiteWALFrames/install(on:)``); `walFrames` must outlive the connection.
    func installWALHook(_ walFrames: SQLiteWALFrames) {
        guard let handle else { return }
        walHook = walFrames
        walFrames.install(on: handle)
    }

    /// Finalizes every statement, then closes the connection; safe to call twice.
    func close() {
        statements.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
            walHook = nil
        }
    }

    // MARK: - Running SQL

    /// Runs one or more statements that return no rows (`sqlite3_exec`).
    func execute(_ sql: String) throws {
        let database = try open()
        var message: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(database, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard result == SQLITE_OK else {
            throw Self.error(result, database: database, context: sql)
        }
    }

    /// Runs `body` with the cached prepared statement for `sql` (prepared on first use), and
    /// resets it after, so no half-read statement keeps a read snapshot open.
    func withStatement<T>(_ sql: String, _ body: (SQLiteStatement) throws -> T) throws -> T {
        let statement = try statement(sql)
        defer { statement.reset() }
        return try body(statement)
    }

    private func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            return cached
        }
        let database = try open()
        var raw: OpaquePointer?
        let result = sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard result == SQLITE_OK, let raw else {
            throw Self.error(result, database: database, context: sql)
        }
        let statement = SQLiteStatement(handle: raw, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs a `PRAGMA` and returns its first column as text, if it returned a row.
    func pragma(_ text: String) throws -> String? {
        try withStatement("PRAGMA \(text)") { statement in
            try statement.step() ? statement.optionalString(0) : nil
        }
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// - Parameter immediate: Take the write lock at the start (`BEGIN IMMEDIATE`), for writers,
    ///   so the transaction never fails half-way on a lock another connection holds.
    func transaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // A failed COMMIT may already have rolled back; a second error would hide the first.
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int {
        handle.map { Int(sqlite3_changes64($0)) } ?? 0
    }

    /// The rowid of the last INSERT.
    var lastInsertRowID: Int64 {
        handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    private func open() throws -> OpaquePointer {
        guard let handle else { throw SagaStoreError(.closed, "the SQLite connection to '\(path)' is closed") }
        return handle
    }

    // MARK: - Errors

    /// Makes an error from a SQLite result code and the connection's last message.
    static func error(_ result: Int32, database: OpaquePointer?, context: String) -> SagaStoreError {
        let message = database.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
        return SagaStoreError(.database, "\(message) (in: \(context.prefix(120)))", databaseResultCode: result)
    }
}
