import Foundation
import InMemoryLogging
import Logging

/// What a scoped test run's parts log: kept in memory, printed only when the test fails.
///
/// The scoped runners (``OrchestratorTestRun``, ``ParticipantTestRun``, and SagaHTTPTestKit's
/// `HTTPTestRun`) each hold one and run their body through ``scope(_:tearDown:_:)``.
public struct TestRunLog: Sendable {
    /// A random id that keeps consumer groups and files of runs apart.
    public let runID: String
    /// What the run's parts logged, at ``level``.
    public let entries = InMemoryLogHandler()
    /// The level kept: `SAGA_TEST_LOG` when set, else `defaultLevel` given at creation.
    public let level: Logger.Level

    /// - Parameter defaultLevel: The level kept when `SAGA_TEST_LOG` is not set. Default `info`.
    public init(defaultLevel: Logger.Level = .info) {
        runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        level = ProcessInfo.processInfo.environment["SAGA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
    }

    /// A logger into ``entries``.
    public var logger: Logger {
        let entries = self.entries
        var logger = Logger(label: "test") { _ in entries }
        logger.logLevel = level
        return logger
    }

    /// Prints what the run logged to standard error, for a failing test.
    public func print(because reason: any Error) {
        let logged = entries.entries
        guard !logged.isEmpty else { return }
        var text = "--- \(logged.count) log entries of the failed run \(runID) (\(reason)):\n"
        for entry in logged {
            let metadata = entry.metadata.isEmpty ? "" : " \(entry.metadata.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))"
            text += "\(entry.level) \(entry.message)\(metadata)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Runs `body` with `run`, then `tearDown` whatever happens; when `body` throws, prints what
    /// was logged before the error goes on. The shape of every scoped runner's `test { }`.
    /// - Returns: What `body` returns.
    public func scope<Run, T>(
        _ run: Run, tearDown: (Run) async -> Void, _ body: (Run) async throws -> T
    ) async throws -> T {
        do {
            let result = try await body(run)
            await tearDown(run)
            return result
        } catch {
            print(because: error)
            await tearDown(run)
            throw error
        }
    }
}
