import Foundation
import Logging
import SagaConcurrency
import SagaTestKit

/// A logger that says only what is critical (or `SAGA_TEST_LOG`'s level), for parts a test makes
/// outside its ``ParticipantTestRun``.
let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = ProcessInfo.processInfo.environment["SAGA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// Counts calls by key, from handlers; tests wait on the counts without polling.
final class Counter: Sendable {
    private let counts = Watched<[String: Int]>([:])

    /// Counts one more for `key` and returns the new count.
    @discardableResult
    func increment(_ key: String) -> Int {
        counts.update { counts in
            counts[key, default: 0] += 1
            return counts[key]!
        }
    }

    func count(_ key: String) -> Int { counts.read { $0[key] ?? 0 } }
    var total: Int { counts.read { $0.values.reduce(0, +) } }

    /// Returns once `key` was counted `count` times or more.
    /// - Throws: ``WaitTimedOut`` with the counts when `timeout` passes first.
    func wait(for key: String, count: Int, within timeout: Duration) async throws {
        try await counts.wait(for: "\(key) to be counted \(count) times", within: timeout) { ($0[key] ?? 0) >= count }
    }
}

/// The repository's `examples/definitions` directory.
let exampleDefinitions = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("examples/definitions")
