/// Runs `tasks` beside `body`, the shape of every scoped runner's `withRunning`: `body` starts
/// once `ready` returns; after it, `stop` runs (a graceful shutdown, say) and, when
/// `cancelAfterStop`, the tasks are cancelled; then they are waited for. When anything throws,
/// `onFailure` runs, the tasks are cancelled and waited for, and the error goes on.
/// - Parameters:
///   - tasks: What runs beside `body` (services, scripted participants, a progress collector).
///   - ready: Returns once `body` may start; throws (a ``WaitTimedOut``) when it may not.
///   - stop: Stops the tasks after `body`. Default: nothing (they are cancelled).
///   - cancelAfterStop: Whether the tasks are cancelled after `stop`. Default `true`; `false`
///     when `stop` makes them return by themselves (cancelling would cut a graceful shutdown short).
///   - onFailure: Runs before the cancellation when something threw. Default: nothing.
/// - Returns: What `body` returns.
public func withRunningTasks<T: Sendable>(
    _ tasks: [@Sendable () async throws -> Void],
    ready: () async throws -> Void,
    stop: () async throws -> Void = {},
    cancelAfterStop: Bool = true,
    onFailure: () async -> Void = {},
    _ body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in tasks { group.addTask { try await task() } }
        do {
            try await ready()
            let result = try await body()
            try await stop()
            if cancelAfterStop { group.cancelAll() }
            try await group.waitForAll()
            return result
        } catch {
            await onFailure()
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}
