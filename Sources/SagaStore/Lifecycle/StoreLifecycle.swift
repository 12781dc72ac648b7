import Synchronization

/// Where a store is in its life as a `Service`: opened, running (between the start and the end
/// of its `run()`), or finished. Calls are allowed only while it runs.
///
/// Shared by the store implementations: each checks ``checkRunning()`` before every call and
/// moves the phase in its `run()`. ``waitUntilRunning()`` lets a scoped helper start `run()` in a
/// child task and use the store as soon as it accepts calls.
package final class StoreLifecycle: Sendable {
    private enum Phase {
        case opened
        case running
        case finished
    }

    private struct State {
        var phase = Phase.opened
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())
    /// What the store is, for error messages ("the SQLite saga store at ...").
    private let name: String

    /// - Parameter name: What the store is, for error messages.
    package init(name: String) {
        self.name = name
    }

    /// Throws unless the store is running.
    /// - Throws: ``SagaStoreError/Code/notRunning`` before `run()`, ``SagaStoreError/Code/closed``
    ///   after it ended.
    package func checkRunning() throws(SagaStoreError) {
        switch state.withLock({ $0.phase }) {
        case .running: return
        case .opened: throw notRunningError()
        case .finished: throw closedError()
        }
    }

    /// Whether `run()` has ended (calls then fail with ``SagaStoreError/Code/closed``).
    package var isFinished: Bool { state.withLock { $0.phase == .finished } }

    /// Moves from opened to running, at the start of `run()`.
    /// - Throws: ``SagaStoreError/Code/closed`` if the store ran before: a store runs once.
    package func start() throws(SagaStoreError) {
        let waiters = try state.withLock { state throws(SagaStoreError) in
            guard state.phase == .opened else { throw closedError("\(name) has already run; a store runs once") }
            state.phase = .running
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Moves to finished, at the end of `run()`; later calls throw ``SagaStoreError/Code/closed``.
    /// - Returns: `true` the first time (the caller then releases the store's resources).
    @discardableResult
    package func finish() -> Bool {
        let (first, waiters) = state.withLock { state in
            defer {
                state.phase = .finished
                state.waiters = [:]
            }
            return (state.phase != .finished, Array(state.waiters.values))
        }
        for waiter in waiters { waiter.resume(throwing: closedError()) }
        return first
    }

    /// Returns once the store runs.
    /// - Throws: ``SagaStoreError/Code/closed`` if it finished (or finishes) first;
    ///   `CancellationError` if the task is cancelled while waiting.
    package func waitUntilRunning() async throws {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let result: Result<Void, any Error>? = state.withLock { state in
                    switch state.phase {
                    case .running: return .success(())
                    case .finished: return .failure(closedError())
                    case .opened:
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiters[id] = continuation
                        return nil
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func notRunningError() -> SagaStoreError {
        SagaStoreError(.notRunning, "\(name) is not running: run it in a ServiceGroup or use withRunning")
    }

    private func closedError(_ message: String? = nil) -> SagaStoreError {
        SagaStoreError(.closed, message ?? "\(name) is closed")
    }
}
