import Foundation
import Logging
import SagaParticipant
import ServiceLifecycle

/// Watches whether a service is ready, logs when that changes, and keeps a file present exactly
/// while it is (so a container health check can be `test -f FILE`). Ends on graceful shutdown,
/// removing the file: the service is no longer ready once it stops taking work.
struct ReadinessReporter: Service {
    let service: ParticipantService
    let file: String?
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ready = false
            while !Task.isCancelled {
                // Woken by the rebalance that changes it; a shutdown cancels the wait.
                let now = await service.waitForReadiness(otherThan: ready)
                guard now != ready else { continue }
                ready = now
                if now {
                    logger.info("participant ready: it holds command partitions")
                    if let file { _ = FileManager.default.createFile(atPath: file, contents: Data("ready\n".utf8)) }
                } else {
                    logger.info("participant holds no command partitions")
                    removeFile()
                }
            }
        }
        removeFile()
    }

    /// Removes the ready file, if there is one.
    func removeFile() {
        if let file { try? FileManager.default.removeItem(atPath: file) }
    }
}
