import Foundation
import Logging
import ServiceLifecycle

/// Watches whether a service is ready, logs when that changes, and keeps a file present exactly
/// while it is (so a container health check can be `test -f FILE`). Ends on graceful shutdown,
/// removing the file: the service is no longer ready once it stops taking work.
struct ReadinessReporter: Service {
    let isReady: @Sendable () -> Bool
    let file: String?
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ready = false
            while !Task.isCancelled {
                let now = isReady()
                if now != ready {
                    ready = now
                    if now {
                        logger.info("participant ready: it holds command partitions")
                        if let file { _ = FileManager.default.createFile(atPath: file, contents: Data("ready\n".utf8)) }
                    } else {
                        logger.info("participant holds no command partitions")
                        removeFile()
                    }
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        removeFile()
    }

    /// Removes the ready file, if there is one.
    func removeFile() {
        if let file { try? FileManager.default.removeItem(atPath: file) }
    }
}
