import Foundation
import SagaStore
import SagaTestKit
import Testing

/// What only the SQLite store has: a file, its pragmas, its migrations table.
@Suite("SQLite store file")
struct SQLiteFileTests {
    @Test func aMissingDirectoryIsAClearOpenError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("no/such/dir/store.sqlite")
            let error = await #expect(throws: SagaStoreError.self) {
                try await SQLiteSagaStore(path: path, logger: Fixture.logger().0)
            }
            #expect(error?.code == .cannotOpen)
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("notes.sqlite")
            try Data(String(repeating: "this is not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
            let error = await #expect(throws: SagaStoreError.self) {
                try await SQLiteSagaStore(path: path, logger: Fixture.logger().0)
            }
            #expect(error?.code == .notADatabase)
            #expect(error?.shortDescription == "not a database")
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test func theFileIsInWALModeWithNormalSyncByDefault() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("store.sqlite")
            try await SQLiteSagaStore(path: path, logger: Fixture.logger().0).withRunning { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("s")]))
                let diagnostics = try await store.diagnostics()
                #expect(diagnostics.journalMode == "wal")
                #expect(diagnostics.synchronous == 1)
                #expect(diagnostics.cacheSize == 16 << 20)
                #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            }
            // Bytes 18 and 19 of the header are the file format versions: 2 means WAL.
            let header = try #require(FileManager.default.contents(atPath: path)).prefix(20)
            #expect(Array(header.suffix(2)) == [2, 2])
        }
    }

    @Test func synchronousFullAndTheCacheSizeCanBeConfigured() async throws {
        try await SQLiteSagaStore(
            path: ":memory:", configuration: SQLiteConfiguration(synchronous: .full, cacheSize: 3 << 20), logger: Fixture.logger().0
        ).withRunning { store in
            let diagnostics = try await store.diagnostics()
            #expect(diagnostics.synchronous == 2)
            #expect(diagnostics.cacheSize == 3 << 20)
        }
    }

    @Test func migrationsAreRecordedAndLoggedOnce() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("store.sqlite")
            let (logger, logs) = Fixture.logger()
            try await SQLiteSagaStore(path: path, logger: logger).withRunning { _ in }
            #expect(logs.entries.filter { $0.message == "applied schema migration" }.count == SQLiteSchema.sagaStore.count)
            logs.clear()
            try await SQLiteSagaStore(path: path, logger: logger).withRunning { _ in }
            try await SQLiteParticipantDedupeStore(path: path, logger: logger).withRunning { _ in }
            #expect(logs.entries.filter { $0.message == "applied schema migration" }.count == 1)

            let rows = try RawSQLite(path: path).rows("SELECT component, version FROM schema_migrations ORDER BY component, version")
            let expected = SQLiteSchema.participantDedupe.map { ["participant_dedupe", "\($0.version)"] }
                + SQLiteSchema.sagaStore.map { ["saga_store", "\($0.version)"] }
            #expect(rows == expected)
        }
    }

    @Test func unsentRowsOfTheVersionOneOutboxAreLoadedFirstAndMarkedSent() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("store.sqlite")
            // What a version-1 store left unsent when it was upgraded: rows of the per-message table.
            try await SQLiteSagaStore(path: path, logger: Fixture.logger().0).withRunning { _ in }
            try RawSQLite(path: path).execute(
                """
                INSERT INTO outbox (partition, topic, target_partition, key, value, headers, created_at, sent_at) VALUES
                    (0, 'participant.payments', NULL, X'6B', X'6F6C64', X'', 1, NULL),
                    (0, 'participant.payments', 2, NULL, X'73656E74', X'', 2, 5),
                    (1, 'participant.payments', NULL, NULL, X'6F74686572', X'', 3, NULL);
                """
            )
            try await SQLiteSagaStore(path: path, logger: Fixture.logger().0).withRunning { store in
                try await Fixture.expectVersionOneOutboxRowsRelayed(by: store)
            }
        }
    }

    @Test(arguments: [true, false])
    func theWALIsCheckpointedInTheBackgroundUnlessTurnedOff(background: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("store.sqlite")
            let configuration = SQLiteConfiguration(checkpointInterval: background ? .milliseconds(50) : nil)
            try await SQLiteSagaStore(path: path, configuration: configuration, logger: Fixture.logger().0).withRunning { store in
                let lease = try await store.takePartition(0)
                func fileSize() throws -> Int {
                    try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
                }
                let before = try fileSize()
                // About 6 MiB: above the background checkpoint's threshold (about 4 MiB) and far
                // below the commit's own (about 40 MiB), so only a background checkpoint copies it
                // into the database file. Once one has copied everything, the next commit starts the
                // WAL over, and what follows may stay under the threshold: expect at least 2 MB.
                let state = [UInt8](repeating: 7, count: 2_000)
                for round in 0..<30 {
                    try await store.commit(CommitBatch(
                        lease: lease, sagas: (0..<100).map { Fixture.saga("s\(round)-\($0)", state: state) }
                    ))
                }
                if background {
                    // A checkpoint syncs the disk: on a busy disk that can take seconds. The file's
                    // size tells no one it changed: read until it grew.
                    let grown = try await poll("the background checkpoint to grow the file by 2 MB", within: .seconds(60), every: .milliseconds(50)) {
                        try fileSize()
                    } until: { $0 >= before + 2_000_000 }
                    #expect(grown >= before + 2_000_000)
                } else {
                    // The subject is time passing: with no background checkpoint, nothing copies
                    // the WAL into the file however long one waits.
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(try fileSize() == before)
                }
                #expect(try await store.saga(id: "s29-99")?.state == state)
            }
        }
    }

    @Test func aDatabaseFromANewerVersionIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("store.sqlite")
            try await SQLiteSagaStore(path: path, logger: Fixture.logger().0).withRunning { _ in }
            try RawSQLite(path: path).execute(
                "INSERT INTO schema_migrations VALUES ('saga_store', 999, 'from the future', 0)"
            )
            let error = await #expect(throws: SagaStoreError.self) {
                try await SQLiteSagaStore(path: path, logger: Fixture.logger().0)
            }
            #expect(error?.code == .schemaTooNew)
        }
    }

    @Test func aBusyWriterIsWaitedFor() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("store.sqlite")
            try await SQLiteSagaStore(path: path, logger: Fixture.logger().0).withRunning { store in
                let lease = try await store.takePartition(0)
                // Another connection holds the write lock briefly; the commit waits instead of failing.
                let raw = try RawSQLite(path: path)
                try raw.execute("BEGIN IMMEDIATE")
                async let committed = store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("s")]))
                // The subject is time passing: the lock is held a while before it is let go.
                try await Task.sleep(for: .milliseconds(50))
                try raw.execute("COMMIT")
                _ = try await committed
                #expect(try await store.saga(id: "s") != nil)
            }
        }
    }
}
