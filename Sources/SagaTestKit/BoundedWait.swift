import SagaConcurrency

/// A bounded wait in a test ran out: what was awaited, the bound, and what was seen last.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What was awaited, as the test names it.
    public var what: String
    /// The bound that passed.
    public var bound: Duration
    /// The last value observed, described; `nil` when there was none to tell.
    public var lastObserved: String?

    /// - Parameters:
    ///   - what: What was awaited.
    ///   - bound: The bound that passed.
    ///   - lastObserved: The last value observed, described.
    public init(_ what: String, bound: Duration, lastObserved: String? = nil) {
        self.what = what
        self.bound = bound
        self.lastObserved = lastObserved
    }

    public var description: String {
        "timed out after \(bound) waiting for \(what)" + (lastObserved.map { "; last observed: \($0)" } ?? "")
    }
}

/// Polls `observe` every `interval` until `condition` holds for what it returned, for things
/// that offer no notification (a file another process writes, a broker's committed offsets, an
/// HTTP endpoint, a metric). Anything that can wake its waiter is awaited instead (``Watched``).
/// - Parameters:
///   - what: What is awaited, for the error.
///   - timeout: The bound; generous, unless the wait is the subject of the test.
///   - interval: The time between two looks. Default 20 ms.
///   - observe: Looks once; an error it throws ends the wait.
///   - condition: Whether what was seen is what is awaited.
/// - Returns: The value for which `condition` held.
/// - Throws: ``WaitTimedOut`` with the last value seen once `timeout` passed; what `observe` throws.
@discardableResult
public func poll<Value>(
    _ what: String, within timeout: Duration, every interval: Duration = .milliseconds(20),
    _ observe: () async throws -> Value, until condition: (Value) throws -> Bool
) async throws -> Value {
    let deadline = ContinuousClock.now + timeout
    while true {
        let value = try await observe()
        if try condition(value) { return value }
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(what, bound: timeout, lastObserved: "\(value)") }
        try await Task.sleep(for: interval)
    }
}

/// Polls `condition` every `interval` until it holds (see ``poll(_:within:every:_:until:)``).
/// - Throws: ``WaitTimedOut`` once `timeout` passed; what `condition` throws.
public func poll(
    _ what: String, within timeout: Duration, every interval: Duration = .milliseconds(20), until condition: () async throws -> Bool
) async throws {
    try await poll(what, within: timeout, every: interval, condition, until: { $0 })
}

/// Runs `operation`, cancelling it and throwing when it has not returned within `timeout`.
/// - Parameters:
///   - what: What the operation waits for, for the error.
///   - timeout: The bound.
///   - lastObserved: Describes the state when the bound passed, for the error.
///   - operation: The wait; must return soon once cancelled.
/// - Returns: What `operation` returns.
/// - Throws: ``WaitTimedOut``; what `operation` throws.
public func awaiting<T: Sendable>(
    _ what: String, within timeout: Duration, lastObserved: @escaping @Sendable () -> String? = { nil },
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            // A real delay: the bound on the wait.
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw WaitTimedOut(what, bound: timeout, lastObserved: lastObserved())
        }
        return result
    }
}

extension Watched {
    /// Returns once `condition` holds for the value, woken by each update.
    /// - Parameters:
    ///   - what: What is awaited, for the error.
    ///   - timeout: The bound.
    /// - Returns: The value for which it held.
    /// - Throws: ``WaitTimedOut`` with the value at the bound; `CancellationError` when cancelled.
    @discardableResult
    package func wait(for what: String, within timeout: Duration, until condition: @escaping Condition) async throws -> Value {
        if await wait(until: condition, within: timeout) { return value }
        try Task.checkCancellation()
        throw WaitTimedOut(what, bound: timeout, lastObserved: "\(value)")
    }
}
