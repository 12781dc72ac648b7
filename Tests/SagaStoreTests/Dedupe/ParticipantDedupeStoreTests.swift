import SagaStore
import Synchronization
import SagaTestKit
import Testing

/// The dedupe store's contract, against every implementation.
@Suite("Participant dedupe store")
struct ParticipantDedupeStoreTests {
    /// Makes a fresh store and runs a body with it.
    struct Backend: Sendable, CustomTestStringConvertible {
        let name: String
        let withStore: @Sendable (@Sendable (any ParticipantDedupeStore) async throws -> Void) async throws -> Void
        var testDescription: String { name }

        static let inMemory = Backend(name: "in-memory") { body in
            try await InMemoryParticipantDedupeStore().withRunning { store async throws in
                try await body(store)
            }
        }

        static let sqlite = Backend(name: "sqlite") { body in
            try await withTemporaryDirectory { directory in
                try await SQLiteParticipantDedupeStore(
                    path: directory.file("dedupe.sqlite"), logger: Fixture.logger().0
                ).withRunning { store async throws in
                    try await body(store)
                }
            }
        }

        static let postgres = Backend(name: "postgres") { body in
            try await PostgresParticipantDedupeStore.open(testURL: PostgresTestServer.shared().makeDatabase()).withRunning { store async throws in
                try await body(store)
            }
        }
    }

    static let backends: [Backend] = [.inMemory, .sqlite, .postgres]

    @Test(arguments: backends)
    func theFirstReplyWinsPerConsumerAndKey(_ backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let key = DedupeKey(consumer: "payments", idempotencyKey: "saga-1/charge/pending")
            let otherConsumer = DedupeKey(consumer: "inventory", idempotencyKey: key.idempotencyKey)
            #expect(try await store.reply(for: key) == nil)
            #expect(try await store.record([1, 2], for: key, at: 10) == [1, 2])
            #expect(try await store.record([9], for: key, at: 11) == [1, 2])
            #expect(try await store.reply(for: key) == [1, 2])
            #expect(try await store.reply(for: otherConsumer) == nil)
            #expect(try await store.record([], for: otherConsumer, at: 12) == [])
            #expect(try await store.reply(for: otherConsumer) == [])
        }
    }

    @Test(arguments: backends)
    func purgeForgetsOnlyOldReplies(_ backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let old = DedupeKey(consumer: "p", idempotencyKey: "old")
            let recent = DedupeKey(consumer: "p", idempotencyKey: "recent")
            try await store.record([1], for: old, at: 100)
            try await store.record([2], for: recent, at: 1_000)
            #expect(try await store.purge(recordedBefore: 500) == 1)
            #expect(try await store.reply(for: old) == nil)
            #expect(try await store.reply(for: recent) == [2])
            #expect(try await store.purge(recordedBefore: 500) == 0)
        }
    }

    @Test(arguments: backends)
    func aStoreRefusesCallsAfterItRan(_ backend: Backend) async throws {
        let key = DedupeKey(consumer: "p", idempotencyKey: "k")
        let store = Mutex<(any ParticipantDedupeStore)?>(nil)
        try await backend.withStore { running in
            try await running.record([1], for: key, at: 1)
            store.withLock { $0 = running }
        }
        let stopped = try #require(store.withLock { $0 })
        let error = await #expect(throws: SagaStoreError.self) { try await stopped.reply(for: key) }
        #expect(error?.code == .closed)
    }

    @Test func aSQLiteStoreRefusesCallsBeforeItRuns() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteParticipantDedupeStore(path: directory.file("dedupe.sqlite"), logger: Fixture.logger().0)
            let early = await #expect(throws: SagaStoreError.self) {
                try await store.reply(for: DedupeKey(consumer: "p", idempotencyKey: "k"))
            }
            #expect(early?.code == .notRunning)
            try await store.withRunning { _ in }
        }
    }

    @Test func sqliteRepliesSurviveReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("dedupe.sqlite")
            let key = DedupeKey(consumer: "p", idempotencyKey: "k")
            try await SQLiteParticipantDedupeStore(path: path, logger: Fixture.logger().0).withRunning { first async throws in
                try await first.record([7, 7], for: key, at: 1)
            }
            try await SQLiteParticipantDedupeStore(path: path, logger: Fixture.logger().0).withRunning { second async throws in
                #expect(try await second.reply(for: key) == [7, 7])
            }
        }
    }

    /// Two participant instances (two pools) record different replies for one key at once: both
    /// get the same one back, and it is the one stored.
    @Test func postgresInstancesRacingOnAKeyAgreeOnTheFirstReply() async throws {
        let url = try await PostgresTestServer.shared().makeDatabase()
        let second = try await PostgresParticipantDedupeStore.open(testURL: url)
        try await PostgresParticipantDedupeStore.open(testURL: url).withRunning { first async throws in
            try await second.withRunning { second async throws in
            for round in 0..<20 {
                let key = DedupeKey(consumer: "payments", idempotencyKey: "saga-\(round)/charge/pending")
                async let one = first.record([1, UInt8(round)], for: key, at: 1)
                async let two = second.record([2, UInt8(round)], for: key, at: 1)
                let (a, b) = try await (one, two)
                #expect(a == b)
                #expect(try await first.reply(for: key) == a)
            }
            }
        }
    }
}

extension PostgresParticipantDedupeStore {
    /// Opens a store on a test database URL, ignoring the environment's `PG*` variables.
    static func open(testURL url: String) async throws -> PostgresParticipantDedupeStore {
        try await PostgresParticipantDedupeStore(
            configuration: PostgresConfiguration(url: url, environment: [:]), logger: Fixture.logger().0
        )
    }
}
