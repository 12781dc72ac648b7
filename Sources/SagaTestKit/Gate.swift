import SagaConcurrency

/// A flag a test opens once, read from handlers and scripts, that tasks can wait on.
public final class Gate: Sendable {
    private let state = Watched(false)

    public init() {}

    /// Whether it was opened.
    public var isOpen: Bool { state.value }

    /// Opens it, waking the tasks waiting.
    public func open() { state.update { $0 = true } }

    /// Returns once the gate is open.
    /// - Parameters:
    ///   - what: What the opening means, for the error. Default "the gate to open".
    ///   - timeout: The bound. Default 60 s.
    /// - Throws: ``WaitTimedOut`` when it is still closed then.
    public func wait(for what: String = "the gate to open", within timeout: Duration = .seconds(60)) async throws {
        try await state.wait(for: what, within: timeout) { $0 }
    }
}
