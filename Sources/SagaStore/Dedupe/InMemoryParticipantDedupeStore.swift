import ServiceLifecycle
import Synchronization

/// A ``ParticipantDedupeStore`` in memory, for tests: forgets everything when released.
///
/// It owns nothing to release, so it accepts calls from the start, whether or not it runs; once
/// a `run()` of it has ended it refuses them (``SagaStoreError/Code/closed``), like the others.
public final class InMemoryParticipantDedupeStore: ParticipantDedupeStore {
    private struct Entry: Sendable {
        var reply: [UInt8]
        var recordedAt: Int64
    }

    private struct State: Sendable {
        var entries: [DedupeKey: Entry] = [:]
    }

    private let state = Mutex(State())
    private let closed = Atomic<Bool>(false)

    /// Makes an empty store.
    public init() {}

    @discardableResult
    public func record(_ reply: [UInt8], for key: DedupeKey, at time: Int64) async throws -> [UInt8] {
        try checkOpen()
        return state.withLock { state in
            if let existing = state.entries[key] { return existing.reply }
            state.entries[key] = Entry(reply: reply, recordedAt: time)
            return reply
        }
    }

    public func reply(for key: DedupeKey) async throws -> [UInt8]? {
        try checkOpen()
        return state.withLock { state in
            return state.entries[key]?.reply
        }
    }

    public func purge(recordedBefore cutoff: Int64) async throws -> Int {
        try checkOpen()
        return state.withLock { state in
            let before = state.entries.count
            state.entries = state.entries.filter { $0.value.recordedAt >= cutoff }
            return before - state.entries.count
        }
    }

    /// Waits for graceful shutdown or cancellation, then refuses calls.
    /// - Throws: ``SagaStoreError/Code/closed`` if the store ran before: a store runs once.
    public func run() async throws {
        try checkOpen()
        try? await gracefulShutdown()
        closed.store(true, ordering: .releasing)
    }

    /// Returns at once: the store accepts calls from the start.
    /// - Throws: ``SagaStoreError/Code/closed`` once a `run()` of it has ended.
    public func waitUntilRunning() async throws {
        try checkOpen()
    }

    private func checkOpen() throws(SagaStoreError) {
        if closed.load(ordering: .acquiring) { throw SagaStoreError(.closed, "the in-memory dedupe store is closed") }
    }
}
