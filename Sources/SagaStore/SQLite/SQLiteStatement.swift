import CSQLite

/// SQLite's `SQLITE_TRANSIENT`: copy bound bytes now. The C macro is a cast Swift cannot import.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// The owner of one prepared `sqlite3_stmt`, finalized in `deinit`. It lives in its connection's
/// statement cache, on the connection's thread only.
final class SQLiteStatement {
    private let handle: OpaquePointer
    let sql: String

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Clears the previous run's bindings and position, ready to bind again.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: - Binding (indexes start at 1)

    func bind(_ value: Int64?, at index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ value: Int32?, at index: Int32) throws {
        try bind(value.map(Int64.init), at: index)
    }

    func bind(_ value: Bool, at index: Int32) throws {
        try check(sqlite3_bind_int(handle, index, value ? 1 : 0))
    }

    func bind(_ value: String?, at index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        var text = value
        try text.withUTF8 { text in
            try text.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else {
                    // An empty string may have no base address; a NULL pointer would bind SQL NULL.
                    return try check(sqlite3_bind_text(handle, index, "", 0, transient))
                }
                try check(sqlite3_bind_text(handle, index, base, Int32(chars.count), transient))
            }
        }
    }

    func bind(_ value: [UInt8]?, at index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        if value.isEmpty {
            // An empty array has no base address; a NULL pointer would bind SQL NULL.
            return try check(sqlite3_bind_zeroblob(handle, index, 0))
        }
        try value.withUnsafeBytes { bytes in
            try check(sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), transient))
        }
    }

    // MARK: - Stepping

    /// Runs one step: `true` if a row is ready to read, `false` when done.
    func step() throws -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteConnection.error(result, database: sqlite3_db_handle(handle), context: sql)
        }
    }

    /// Runs the statement to its end, ignoring rows.
    func run() throws {
        while try step() {}
    }

    // MARK: - Reading the current row (indexes start at 0)

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? {
        isNull(column) ? nil : string(column)
    }

    func bytes(_ column: Int32) -> [UInt8] {
        // Blob first, then its size: that is the order SQLite documents as safe.
        guard let blob = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: blob, count: count))
    }

    func optionalBytes(_ column: Int32) -> [UInt8]? {
        isNull(column) ? nil : bytes(column)
    }

    private func check(_ result: Int32) throws {
        guard result == SQLITE_OK else {
            throw SQLiteConnection.error(result, database: sqlite3_db_handle(handle), context: sql)
        }
    }
}
