import Logging
import SagaStore
import Synchronization

/// Writes the instance's heartbeat row to the store every ``OrchestratorConfiguration/heartbeatInterval``
/// while the orchestrator runs, and once more when it stops (saying so), so any instance's
/// `GET /v1/cluster` lists every instance of the group.
///
/// A failed write is logged and retried at the next interval: heartbeats are a view for
/// operators, never a reason to stop.
final class HeartbeatWriter: Sendable {
    private let identity: Orchestrator.Identity
    private let interval: Duration
    private let store: any SagaStore
    private let report: @Sendable () -> InstanceReport
    private let logger: Logger
    private let stopped = Mutex(false)

    init(identity: Orchestrator.Identity, interval: Duration, store: any SagaStore, logger: Logger, report: @escaping @Sendable () -> InstanceReport) {
        self.identity = identity
        self.interval = interval
        self.store = store
        self.report = report
        self.logger = logger
    }

    /// Writes until ``finish()``, then writes the last heartbeat.
    func run() async {
        var failures = 0
        while !isStopped {
            if await write() { failures = 0 } else { failures += 1 }
            // Checked every 50 ms, so finishing never waits a whole interval.
            let next = ContinuousClock.now + interval
            while !isStopped && ContinuousClock.now < next {
                do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
            }
        }
        _ = await write()
    }

    /// Ends ``run()`` after one last write.
    func finish() {
        stopped.withLock { $0 = true }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func write() async -> Bool {
        do {
            try await store.recordHeartbeat(InstanceHeartbeat(
                instanceID: identity.instanceID, host: identity.host, startedAt: identity.startedAt,
                lastSeen: OrchestratorLoop.wallClock(), status: try report().encoded()
            ))
            return true
        } catch {
            logger.warning("writing the instance heartbeat failed", metadata: ["error": "\(error)"])
            return false
        }
    }
}
