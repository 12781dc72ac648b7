import CSQLite
import Foundation
import SagaCore

/// The durable record of a chaos participant process, a SQLite file that survives its SIGKILL:
/// every command received (in order), the final answer per idempotency key, and each effect
/// applied. Receiving a command, applying its effect and storing its answer is one transaction,
/// as the contract asks of a participant.
///
/// Used from one task at a time (the participant's loop, or the bench reading it after the run).
final class ChaosLedger {
    private var db: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw BenchError("cannot open the ledger \(path)") }
        sqlite3_busy_timeout(db, 5_000)
        try exec("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS received (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, part INTEGER NOT NULL, off INTEGER NOT NULL, command BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, outcome TEXT NOT NULL, reason TEXT);
            CREATE TABLE IF NOT EXISTS effects (key TEXT NOT NULL);
            """)
    }

    deinit { sqlite3_close(db) }

    /// Records `command` and answers it: the stored answer for a key answered before (nothing is
    /// applied), or the script's, whose effect (for `succeeded`) and answer are stored with it.
    /// - Returns: the answer and whether an effect was applied now.
    func answer(_ command: ParticipantCommand, raw: [UInt8], topic: String, partition: Int32, offset: Int64) throws -> (outcome: ReplyOutcome, reason: String?, applied: Bool) {
        try exec("BEGIN IMMEDIATE")
        do {
            try run("INSERT INTO received (topic, part, off, command) VALUES (?, ?, ?, ?)",
                    [.text(topic), .text("\(partition)"), .text("\(offset)"), .blob(raw)])
            let key = command.idempotencyKey
            if let stored = try row("SELECT outcome, reason FROM answers WHERE key = ?", [.text(key)]),
               let outcome = ReplyOutcome(rawValue: stored[0] ?? "") {
                try exec("COMMIT")
                return (outcome, stored[1], false)
            }
            let (outcome, reason, _) = ChaosScript.answer(command)
            if outcome != .failedRetryable {
                try run("INSERT INTO answers (key, outcome, reason) VALUES (?, ?, ?)", [.text(key), .text(outcome.rawValue), reason.map { .text($0) } ?? .null])
            }
            if outcome == .succeeded { try run("INSERT INTO effects (key) VALUES (?)", [.text(key)]) }
            try exec("COMMIT")
            return (outcome, reason, outcome == .succeeded)
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    /// Every command received, in order.
    func received() throws -> [ParticipantCommand] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT command FROM received ORDER BY seq", -1, &statement, nil) == SQLITE_OK else { throw failure("read") }
        defer { sqlite3_finalize(statement) }
        var commands: [ParticipantCommand] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            let count = Int(sqlite3_column_bytes(statement, 0))
            let bytes = sqlite3_column_blob(statement, 0).map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
            if case .success(let command) = SagaMessageCodec.decode(ParticipantCommand.self, from: bytes) { commands.append(command) }
        }
        return commands
    }

    /// The offset of the last command received from each partition: where a restarted process
    /// reads from again (that command, answered or not, comes again and finds its stored answer).
    func resumeOffsets() throws -> [String: [Int32: Int64]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT topic, part, max(off) FROM received GROUP BY topic, part", -1, &statement, nil) == SQLITE_OK else { throw failure("read") }
        defer { sqlite3_finalize(statement) }
        var offsets: [String: [Int32: Int64]] = [:]
        while sqlite3_step(statement) == SQLITE_ROW {
            offsets[String(cString: sqlite3_column_text(statement, 0)), default: [:]][sqlite3_column_int(statement, 1)] = sqlite3_column_int64(statement, 2)
        }
        return offsets
    }

    /// How many times each key's effect was applied.
    func effects() throws -> [String: Int] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT key, count(*) FROM effects GROUP BY key", -1, &statement, nil) == SQLITE_OK else { throw failure("read") }
        defer { sqlite3_finalize(statement) }
        var effects: [String: Int] = [:]
        while sqlite3_step(statement) == SQLITE_ROW {
            effects[String(cString: sqlite3_column_text(statement, 0))] = Int(sqlite3_column_int64(statement, 1))
        }
        return effects
    }

    // MARK: - SQLite

    private enum Value { case text(String), blob([UInt8]), null }

    private func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw failure(sql) }
    }

    private func run(_ sql: String, _ values: [Value]) throws {
        let statement = try prepare(sql, values)
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_DONE else { throw failure(sql) }
    }

    private func row(_ sql: String, _ values: [Value]) throws -> [String?]? {
        let statement = try prepare(sql, values)
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { return nil }
        return (0..<sqlite3_column_count(statement)).map { column in
            sqlite3_column_text(statement, column).map { String(cString: $0) }
        }
    }

    private func prepare(_ sql: String, _ values: [Value]) throws -> OpaquePointer? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw failure(sql) }
        // SQLITE_TRANSIENT: SQLite copies the bound bytes.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, transient)
            case .blob(let bytes): _ = bytes.withUnsafeBytes { sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), transient) }
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        return statement
    }

    private func failure(_ what: String) -> BenchError {
        BenchError("ledger: \(what.prefix(60)): \(String(cString: sqlite3_errmsg(db)))")
    }
}
