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
    ///   sent; what `body` or the server threw otherwise.
    func transaction<T>(
        begin: PostgresQuery, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let value: T
        do {
            try await run(begin, logger: logger)
            value = try await body(self)
        } catch {
            // A closed connection cannot roll back, but the server does when it drops the session.
            if !isClosed {
                // A second error would hide the first.
                if (try? await run("ROLLBACK", logger: logger)) != nil { throw error }
                // A ROLLBACK that failed on an open connection: it may be closing (the server said
                // FATAL), and the channel follows within moments.
                for _ in 0..<20 where !isClosed { try? await Task.sleep(for: .milliseconds(50)) }
            }
            if isClosed { throw TransactionRolledBackByClose(cause: error) }
            throw error
        }
        try await run("COMMIT", logger: logger)
        return value
    }
}
