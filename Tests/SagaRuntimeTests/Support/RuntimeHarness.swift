import Foundation
import Kafka
import KafkaTestKit
import Logging
import MetricsTestKit
import SagaClient
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit

/// The runtime tests' harness is SagaTestKit's scoped test run.
typealias RuntimeHarness = OrchestratorTestRun

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = ProcessInfo.processInfo.environment["SAGA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}()

/// Runs the orchestrator, the participants and a progress collector while `body` runs, then
/// stops them all (see ``OrchestratorTestRun/withRunning(_:_:_:_:)``).
func withRunning<T: Sendable>(
    _ orchestrator: Orchestrator,
    _ participants: ScriptedParticipants,
    _ progress: ProgressCollector,
    _ body: @Sendable () async throws -> T
) async throws -> T {
    try await OrchestratorTestRun.withRunning(orchestrator, participants, progress, body)
}

/// Runs `body` with a new scoped test run (see ``OrchestratorTestRun/test(partitions:participants:_:)``).
func withHarness<T>(partitions: Int32 = 4, _ body: (RuntimeHarness) async throws -> T) async throws -> T {
    try await OrchestratorTestRun.test(partitions: partitions, body)
}
