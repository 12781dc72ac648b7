import Logging
import PostgresNIO

/// A transaction that failed because its connection closed before its `COMMIT` was sent, or the
/// server ended the session before reading it: the server rolled it back when the session
/// ended, so nothing of it was written.
struct TransactionRolledBackByClose: Error {
    /// What the statement that found the connection closed failed with.
    var cause: any Error
}

extension PostgresConnection {
    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// - Parameter begin: The statement that opens the transaction (`BEGIN`, or with an isolation level).
    /// - Throws: ``TransactionRolledBackByClose`` when the connection closed before `COMMIT` was
    ///   sent (before or by the `COMMIT` itself); what `body` or the server threw otherwise.
    func transaction<T>(
        begin: PostgresQuery, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let value: T
        do {
            try await run(begin, logger: logger)
            value = try await body(self)
        } catch {
            // A closed connection cannot roll back, but the server does when it drops the session.
            if Self.neverSent(error) || isClosed { throw TransactionRolledBackByClose(cause: error) }
            if Self.endedWhileIdleInTransaction(error) { throw await rolledBackBySessionEnd(error) }
            do {
                try await run("ROLLBACK", logger: logger)
            } catch let rollbackError {
                // Refused because the connection is closing (the server said FATAL): the server
                // rolls back. Any other second error would hide the first.
                if Self.neverSent(rollbackError) || isClosed { throw TransactionRolledBackByClose(cause: error) }
            }
            throw error
        }
        do {
            try await run("COMMIT", logger: logger)
        } catch where Self.neverSent(error) {
            // The connection was closing or closed before COMMIT went out: the server ends (ended)
            // the session and rolls the transaction back. A COMMIT that was sent and had no
            // answer may have been written: that error is thrown as it is.
            throw TransactionRolledBackByClose(cause: error)
        } catch where Self.endedWhileIdleInTransaction(error) {
            // The server had ended the session before it read the COMMIT.
            throw await rolledBackBySessionEnd(error)
        }
        return value
    }

    /// Whether `error` says a statement never reached the server because its connection was
    /// closing or closed already: PostgresNIO refuses it at once (`clientClosedConnection`, the
    /// store never closes a connection it holds), or ``run(_:logger:file:line:)`` gave up on it.
    static func neverSent(_ error: any Error) -> Bool {
        if error is PostgresConnectionClosed { return true }
        return (error as? PSQLError)?.code == .clientClosedConnection
    }

    /// Closes this connection, whose session the server ended, before it goes back to the pool:
    /// its own close may not have been seen yet, and the transaction's next try must not be given
    /// it again.
    private func rolledBackBySessionEnd(_ error: any Error) async -> TransactionRolledBackByClose {
        try? await close()
        return TransactionRolledBackByClose(cause: error)
    }

    /// Whether `error` is the FATAL with which the server ended a session that sat idle in a
    /// transaction past `idle_in_transaction_session_timeout` (SQLSTATE 25P03). That timeout runs
    /// only while the server waits for the session's next statement, so a statement answered with
    /// it, `COMMIT` included, was never read: the server rolled the transaction back. A process
    /// frozen mid-transaction that wakes and writes before reading the FATAL gets it this way.
    static func endedWhileIdleInTransaction(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return error.serverInfo?[.sqlState] == "25P03"
    }
}
