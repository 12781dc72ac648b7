import Foundation
import SagaTestKit
import Synchronization
import Testing

@testable import SagaStore

/// Operators' reads on a SQLite store run on a second connection: a long one does not hold up
/// the orchestrator's commits.
@Suite("SQLite store: operators' reads beside the commits")
struct SQLiteReaderTests {
    @Test("a read in progress on the reader holds up no commit, and the reader sees each commit once it is made")
    func aReadInProgressHoldsUpNoCommit() async throws {
        try await withTemporaryDirectory { directory in
            try await SQLiteSagaStore(path: directory.file("store.sqlite"), logger: Fixture.logger().0).withRunning { store in
                let lease = try await store.takePartition(0)
                try await store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("before")]))
                #expect(store.reader != nil, "a store in a file has a reader")
                let reader = store.readWorker
                // A read that stays in the middle of its transaction until the test lets it go:
                // as a scan of a large store would, on the reader's thread.
                let held = HeldRead()
                let read = Task {
                    try await reader.run { connection in
                        try connection.transaction(immediate: false) {
                            let count = try connection.withStatement("SELECT count(*) FROM sagas") { try $0.step() ? $0.int64(0) : -1 }
                            held.enterAndWait()
                            return count
                        }
                    }
                }
                defer { held.release() }
                try await poll("the read to be in progress", within: .seconds(60)) { held.isInside }
                // Generous, for a busy machine: queued behind the read, the commit would wait the
                // whole 120 s the read is held at most.
                try await awaiting("a commit while a read is in progress", within: .seconds(30)) {
                    try await store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("during")]))
                }
                #expect(held.isInside, "the commit returned while the read was still held")
                held.release()
                #expect(try await read.value == 1, "the read saw its own snapshot")
                // The next read begins after the commit and sees it.
                #expect(try await store.saga(id: "during") != nil)
                #expect(try await store.listSagas(SagaQuery(limit: 10)).map(\.id).sorted() == ["before", "during"])
            }
        }
    }

    @Test("the reader's connection cannot write")
    func theReaderCannotWrite() async throws {
        try await withTemporaryDirectory { directory in
            try await SQLiteSagaStore(path: directory.file("store.sqlite"), logger: Fixture.logger().0).withRunning { store in
                let reader = try #require(store.reader)
                await #expect(throws: SagaStoreError.self) {
                    try await reader.run { try $0.execute("DELETE FROM sagas") }
                }
            }
        }
    }

    @Test("an in-memory store, which one connection alone sees, reads on its one connection")
    func inMemoryReadsOnItsOneConnection() async throws {
        try await SQLiteSagaStore(path: ":memory:", logger: Fixture.logger().0).withRunning { store in
            #expect(store.reader == nil)
            let lease = try await store.takePartition(0)
            try await store.commit(CommitBatch(lease: lease, sagas: [Fixture.saga("s")]))
            #expect(try await store.saga(id: "s") != nil)
        }
    }
}

/// A read held inside its transaction, on the reader's thread, until released.
private final class HeldRead: Sendable {
    private let inside = Atomic<Bool>(false)
    private let gate = DispatchSemaphore(value: 0)
    private let released = Atomic<Bool>(false)

    var isInside: Bool { inside.load(ordering: .acquiring) }

    /// On the reader's thread: says it is inside, then blocks until released (120 s at most, so
    /// a failing test cannot hang the thread for ever).
    func enterAndWait() {
        inside.store(true, ordering: .releasing)
        _ = gate.wait(timeout: .now() + 120)
        inside.store(false, ordering: .releasing)
    }

    /// Lets it go, once.
    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { gate.signal() }
    }
}
