import Foundation
import Logging
import PostgresNIO
@testable import SagaStore
import SagaTestKit
import Synchronization
import Testing

/// The server ends a session under the store: an instance frozen mid-commit past the server's
/// `idle_in_transaction_session_timeout`, an administrator's `pg_terminate_backend`. PostgresNIO
/// alone would wait for ever for the answer to a statement sent on the closed connection.
@Suite("PostgreSQL sessions the server ends")
struct PostgresClosedConnectionTests {
    enum Ending: String, CaseIterable, CustomTestStringConvertible {
        case terminated = "pg_terminate_backend"
        case idleInTransaction = "idle_in_transaction_session_timeout"

        var testDescription: String { rawValue }

        /// Ends the session of `connection` (inside a transaction for `idleInTransaction`).
        func end(_ connection: PostgresConnection, logger: Logger) async throws {
            switch self {
            case .terminated:
                // Fails with the server's FATAL as the session ends.
                _ = try? await connection.run("SELECT pg_terminate_backend(pg_backend_pid())", logger: logger)
            case .idleInTransaction:
                try await connection.run("SET LOCAL idle_in_transaction_session_timeout = '200ms'", logger: logger)
            }
            // The subject: the server ends the session on its own clock. Waited for with a bound.
            let deadline = ContinuousClock.now + .seconds(30)
            while !connection.isClosed && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aStatementOnAClosedConnectionFailsInsteadOfWaitingForEver() async throws {
        let url = try await PostgresTestServer.shared().makeDatabase()
        try await PostgresSagaStore.open(testURL: url).withRunning { store in
            try await store.pool.withConnection(doing: "testing") { connection in
                try await Ending.terminated.end(connection, logger: store.logger)
                #expect(connection.isClosed, "the server did not end the session within 30 s")
                let started = ContinuousClock.now
                await #expect(throws: (any Error).self) { try await connection.run("SELECT 1", logger: store.logger) }
                // Two checks a second apart at most; generous for a loaded machine.
                #expect(ContinuousClock.now - started < .seconds(30))
            }
        }
    }

    /// Where in the transaction the session ends: between two statements, or after the last one,
    /// so that `COMMIT` finds it gone.
    enum Moment: String, CaseIterable, CustomTestStringConvertible {
        case betweenStatements = "between statements"
        case beforeCommit = "before COMMIT"

        var testDescription: String { rawValue }
    }

    @Test(.timeLimit(.minutes(2)), arguments: Ending.allCases, Moment.allCases)
    func aTransactionWhoseSessionEndedBeforeCommitRunsAgainOnAnotherConnection(ending: Ending, moment: Moment) async throws {
        let url = try await PostgresTestServer.shared().makeDatabase()
        try await PostgresSagaStore.open(testURL: url).withRunning { store in
            let (committed, rows) = try await Self.countingTries(store) { connection, attempt in
                try await connection.run("INSERT INTO tries VALUES (\(attempt))", logger: store.logger)
                if attempt == 1 && moment == .betweenStatements { try await ending.end(connection, logger: store.logger) }
                try await connection.run("INSERT INTO tries VALUES (\(attempt))", logger: store.logger)
                if attempt == 1 && moment == .beforeCommit { try await ending.end(connection, logger: store.logger) }
            }
            #expect(committed == 2)
            // Nothing of the first try was written.
            #expect(rows == [2, 2])
        }
    }

    /// A process frozen mid-transaction wakes and sends `COMMIT` before it has read the FATAL
    /// the server sent when its idle-in-transaction timeout ended the session: the FATAL then comes
    /// back as `COMMIT`'s answer (SQLSTATE 25P03). That timeout ends only a session waiting for its
    /// next statement, so the `COMMIT` was never read, and the transaction runs again.
    @Test(.timeLimit(.minutes(2)))
    func aCommitAnsweredByTheIdleTimeoutsFatalRunsAgain() async throws {
        let url = try await PostgresTestServer.shared().makeDatabase()
        try await PostgresSagaStore.open(testURL: url).withRunning { store in
            let (committed, rows) = try await Self.countingTries(store) { connection, attempt in
                try await connection.run("INSERT INTO tries VALUES (\(attempt))", logger: store.logger)
                if attempt == 1 {
                    try await connection.run("SET LOCAL idle_in_transaction_session_timeout = '200ms'", logger: store.logger)
                    // The freeze: the connection's event loop stops past the timeout. The COMMIT
                    // written meanwhile goes out before the loop reads the server's FATAL.
                    connection.eventLoop.execute { Thread.sleep(forTimeInterval: 1.5) }
                }
            }
            #expect(committed == 2)
            #expect(rows == [2], "nothing of the first try was written")
        }
    }

    /// Makes a table `tries`, runs `body` in a store transaction with the try's number (1 for the
    /// first), and returns the try that committed and the numbers the table holds after.
    private static func countingTries(
        _ store: PostgresSagaStore, _ body: @escaping @Sendable (PostgresConnection, Int) async throws -> Void
    ) async throws -> (committed: Int, rows: [Int]) {
        try await store.pool.withConnection(doing: "testing") { connection in
            try await connection.run("CREATE TABLE tries (try int NOT NULL)", logger: store.logger)
        }
        let tries = Mutex(0)
        let committed = try await store.pool.transaction(doing: "testing") { connection in
            let attempt = tries.withLock { count in
                count += 1
                return count
            }
            try await body(connection, attempt)
            return attempt
        }
        let rows = try await store.pool.withConnection(doing: "testing") { connection in
            var found: [Int] = []
            for try await (value) in try await connection.run("SELECT try FROM tries ORDER BY try", logger: store.logger).decode(Int.self) {
                found.append(value)
            }
            return found
        }
        return (committed, rows)
    }

    /// A lost connection during the second try too is an error, not a loop.
    @Test(.timeLimit(.minutes(2)))
    func aTransactionIsTriedTwiceAtMost() async throws {
        let url = try await PostgresTestServer.shared().makeDatabase()
        try await PostgresSagaStore.open(testURL: url).withRunning { store in
            let tries = Mutex(0)
            let error = await #expect(throws: SagaStoreError.self) {
                try await store.pool.transaction(doing: "testing") { connection in
                    tries.withLock { $0 += 1 }
                    try await Ending.terminated.end(connection, logger: store.logger)
                    try await connection.run("SELECT 1", logger: store.logger)
                }
            }
            #expect(tries.withLock { $0 } == 2)
            #expect(error?.code == .database)
        }
    }
}
