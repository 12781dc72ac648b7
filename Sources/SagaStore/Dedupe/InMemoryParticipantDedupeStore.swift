import Synchronization

/// A ``ParticipantDedupeStore`` in memory, for tests: forgets everything when released.
public final class InMemoryParticipantDedupeStore: ParticipantDedupeStore {
    private struct Entry: Sendable {
        var reply: [UInt8]
        var recordedAt: Int64
    }

    private struct State: Sendable {
        var entries: [DedupeKey: Entry] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Makes an empty store.
    public init() {}

    @discardableResult
    public func record(_ reply: [UInt8], for key: DedupeKey, at time: Int64) async throws -> [UInt8] {
        try state.withLock { state in
            try Self.checkOpen(state)
            if let existing = state.entries[key] { return existing.reply }
            state.entries[key] = Entry(reply: reply, recordedAt: time)
            return reply
        }
    }

    public func reply(for key: DedupeKey) async throws -> [UInt8]? {
        try state.withLock { state in
            try Self.checkOpen(state)
            return state.entries[key]?.reply
        }
    }

    public func purge(recordedBefore cutoff: Int64) async throws -> Int {
        try state.withLock { state in
            try Self.checkOpen(state)
            let before = state.entries.count
            state.entries = state.entries.filter { $0.value.recordedAt >= cutoff }
            return before - state.entries.count
        }
    }

    public func close() async throws {
        state.withLock { $0.closed = true }
    }

    private static func checkOpen(_ state: State) throws {
        if state.closed { throw SagaStoreError(.closed, "the in-memory dedupe store is closed") }
    }
}
