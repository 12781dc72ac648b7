import Foundation
import SagaTestKit
import Testing

@Suite("OrchestratorTestRun", .timeLimit(.minutes(1)))
struct OrchestratorTestRunTests {
    struct Planned: Error {}

    @Test("a run captures its parts' logs and removes its directory at the end, also when the body throws")
    func scopeAndLogs() async throws {
        let directory = try await OrchestratorTestRun.test(partitions: 1) { run in
            run.logger.info("hello from the test")
            #expect(run.logs.entries.contains { $0.message.description == "hello from the test" })
            #expect(FileManager.default.fileExists(atPath: run.directory.path))
            return run.directory
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path))

        let failed = LockedURL()
        await #expect(throws: Planned.self) {
            try await OrchestratorTestRun.test(partitions: 1) { run in
                failed.set(run.directory)
                throw Planned()
            }
        }
        let path = try #require(failed.get()).path
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("withStore runs the store for its scope")
    func store() async throws {
        try await OrchestratorTestRun.test(partitions: 1) { run in
            let epoch = try await run.withStore { try await $0.takePartition(0).epoch }
            #expect(epoch == 1)
            let again = try await run.withStore { try await $0.takePartition(0).epoch }
            #expect(again == 2, "the same file, a new store instance")
        }
    }
}

/// A URL set from inside a closure that may not capture a `var`.
private final class LockedURL: @unchecked Sendable {
    private let lock = NSLock()
    private var url: URL?
    func set(_ url: URL) { lock.withLock { self.url = url } }
    func get() -> URL? { lock.withLock { url } }
}
