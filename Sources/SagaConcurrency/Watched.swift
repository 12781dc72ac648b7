import Synchronization

/// A value behind a lock that tasks can wait on: ``wait(until:)`` suspends until an
/// ``update(_:)`` makes a condition true, with no polling.
///
/// Each update re-checks the conditions of the tasks waiting (under the lock, so keep them
/// cheap) and resumes those that hold. A waiting task that is cancelled is resumed at once.
package final class Watched<Value: Sendable>: Sendable {
    package typealias Condition = @Sendable (Value) -> Bool

    private struct Waiter {
        var condition: Condition
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var value: Value
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state: Mutex<State>

    /// - Parameter value: The initial value.
    package init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    /// The current value.
    package var value: Value { state.withLock { $0.value } }

    /// Changes the value and resumes the waiters whose condition now holds.
    /// - Returns: What `body` returns.
    @discardableResult
    package func update<Result: Sendable>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        let (result, ready) = try state.withLock { state -> (Result, [CheckedContinuation<Bool, Never>]) in
            let result = try body(&state.value)
            guard !state.waiters.isEmpty else { return (result, []) }
            var ready: [CheckedContinuation<Bool, Never>] = []
            for (id, waiter) in state.waiters where waiter.condition(state.value) {
                ready.append(waiter.continuation)
                state.waiters[id] = nil
            }
            return (result, ready)
        }
        for continuation in ready { continuation.resume(returning: true) }
        return result
    }

    /// Reads the value under the lock.
    package func read<Result: Sendable>(_ body: (Value) throws -> Result) rethrows -> Result {
        try state.withLock { try body($0.value) }
    }

    /// Returns once `condition` holds (at once if it holds now).
    /// - Returns: `true` when it holds; `false` when the task was cancelled first.
    @discardableResult
    package func wait(until condition: @escaping Condition) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLock { state in
                    if condition(state.value) { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Returns once `condition` holds, or `timeout` passed, or the task was cancelled.
    /// - Returns: `true` when it holds; `false` on timeout or cancellation.
    @discardableResult
    package func wait(until condition: @escaping Condition, within timeout: Duration) async -> Bool {
        if read(condition) { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait(until: condition) }
            group.addTask {
                // A real delay: the bound on the wait.
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
