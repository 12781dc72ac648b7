import Logging
import PostgresNIO

/// A transaction that failed because its connection closed before its `COMMIT` was sent: the
/// server rolled it back when the session ended, so nothing of it was written.
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
}
