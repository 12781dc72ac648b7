import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A statement that was waiting on a connection when the connection closed, and had no answer.
struct PostgresConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection to the server closed, and the statement had no answer" }
}

extension PostgresConnection {
    /// How often ``run(_:logger:file:line:)`` looks whether the connection closed under a statement.
    static let closedCheckInterval = TimeAmount.seconds(1)

    /// Runs `query` as `query(_:logger:)` does, but fails once the connection is closed instead of
    /// waiting for ever.
    ///
    /// PostgresNIO 1.33 hands a statement to the connection's channel without a promise for that
    /// write. On a channel that already closed (the server ended the session: its
    /// `idle_in_transaction_session_timeout` on an instance frozen mid-commit, a restart, an
    /// administrator's `pg_terminate_backend`) the write fails before PostgresNIO's handler sees the
    /// statement, and the statement's own promise is never completed: the caller waits for ever.
    /// So the statement runs in a task of its own while a check on the connection's event loop
    /// looks every ``closedCheckInterval`` whether the channel closed; the second time it finds it
    /// closed with no answer yet, it fails the call with ``PostgresConnectionClosed`` and leaves the
    /// stuck task behind (one per connection lost that way). A statement the handler did see is
    /// failed by it as the channel closes, a moment before, with what the server said.
    @discardableResult
    func run(
        _ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> PostgresRowSequence {
        let answer = StatementAnswer()
        return try await withCheckedThrowingContinuation { continuation in
            answer.expect(continuation)
            let check = eventLoop.scheduleRepeatedTask(
                initialDelay: Self.closedCheckInterval, delay: Self.closedCheckInterval
            ) { [self] task in
                if answer.isGiven || answer.connectionClosed(isClosed) {
                    task.cancel()
                }
            }
            Task {
                do {
                    answer.give(.success(try await self.query(query, logger: logger, file: file, line: line)))
                } catch {
                    answer.give(.failure(error))
                }
                check.cancel()
            }
        }
    }
}

/// The one answer a ``PostgresConnection/run(_:logger:file:line:)`` call gets: the statement's, or
/// that the connection closed without one.
private final class StatementAnswer: Sendable {
    private struct State {
        var continuation: CheckedContinuation<PostgresRowSequence, any Error>?
        var given = false
        var closedSightings = 0
    }

    private let state = Mutex(State())

    func expect(_ continuation: CheckedContinuation<PostgresRowSequence, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    var isGiven: Bool { state.withLock(\.given) }

    /// Gives `result` unless an answer was given already.
    func give(_ result: Result<PostgresRowSequence, any Error>) {
        state.withLock { state -> CheckedContinuation<PostgresRowSequence, any Error>? in
            guard !state.given else { return nil }
            state.given = true
            defer { state.continuation = nil }
            return state.continuation
        }?.resume(with: result)
    }

    /// Notes whether the connection is closed; the second sighting in a row gives the answer that
    /// it closed (the first leaves time for PostgresNIO to fail a statement it knew of).
    /// - Returns: Whether that answer was given now.
    func connectionClosed(_ closed: Bool) -> Bool {
        let sightings = state.withLock { state in
            state.closedSightings = closed ? state.closedSightings + 1 : 0
            return state.closedSightings
        }
        guard sightings >= 2 else { return false }
        give(.failure(PostgresConnectionClosed()))
        return true
    }
}
