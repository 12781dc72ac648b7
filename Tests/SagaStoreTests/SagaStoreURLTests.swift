import SagaStore
import Testing

@Suite("Store URL")
struct SagaStoreURLTests {
    @Test(arguments: [
        ("sqlite:saga.sqlite", "saga.sqlite"),
        ("sqlite:/var/lib/saga/store.sqlite", "/var/lib/saga/store.sqlite"),
        ("sqlite:///var/lib/saga/store.sqlite", "/var/lib/saga/store.sqlite"),
        ("sqlite::memory:", ":memory:"),
    ])
    func sqliteURLsNameAPath(_ text: String, _ path: String) throws {
        let url = try SagaStoreURL(text)
        #expect(url.backend == .sqlite)
        #expect(url.location == path)
    }

    @Test(arguments: ["", "sqlite:", "mysql://host/db", "/tmp/store.sqlite", "postgres://"])
    func badURLsAreRefused(_ text: String) {
        let error = #expect(throws: SagaStoreError.self) { try SagaStoreURL(text) }
        #expect(error?.code == .invalidURL)
    }

    @Test func aMalformedPostgresURLIsRefusedWhenParsed() {
        let error = #expect(throws: SagaStoreError.self) { try SagaStoreURL("postgres://saga:secret@db:port/saga") }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains("secret") == false)
    }

    @Test func aSQLiteURLOpensBothStores() async throws {
        try await withTemporaryDirectory { directory in
            let url = try SagaStoreURL("sqlite:" + directory.file("both.sqlite"))
            try await url.openSagaStore(logger: Fixture.logger().0).withRunning { store async throws in
                #expect(try await store.takePartition(0).epoch == 1)
            }
            try await url.openParticipantDedupeStore(logger: Fixture.logger().0).withRunning { dedupe async throws in
                #expect(try await dedupe.record([1], for: DedupeKey(consumer: "c", idempotencyKey: "k"), at: 0) == [1])
            }
        }
    }
}
