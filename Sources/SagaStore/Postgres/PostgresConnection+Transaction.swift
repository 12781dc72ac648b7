import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// - Parameter begin: The statement that opens the transaction (`BEGIN`, or with an isolation level).
    func transaction<T>(
        begin: PostgresQuery, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await query(begin, logger: logger)
        do {
            let value = try await body(self)
            try await query("COMMIT", logger: logger)
            return value
        } catch {
            // A broken connection cannot roll back, but the server does when it drops the session;
            // a second error would hide the first.
            _ = try? await query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
