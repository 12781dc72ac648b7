import SagaRuntime

/// What `/ready` answers: each check by name, `ok` or why not.
struct ReadinessReport: Encodable, Sendable {
    /// `ready` or `not ready`.
    var status: String
    /// Every check, by name: `ok`, or what failed.
    var checks: [String: String]
    /// The names of the checks that failed, sorted.
    var failed: [String]

    /// Runs the checks: the loop turned lately, the store answers, the consumer joined its group
    /// and holds its assignment, and the service is not shutting down.
    static func check(_ orchestrator: Orchestrator, configuration: SagaHTTPConfiguration) async -> ReadinessReport {
        let status = orchestrator.status
        var checks: [String: String] = [:]
        checks["loop"] = status.isLive(within: configuration.livenessBound)
            ? "ok" : (status.running ? "the orchestrator loop has not turned within \(configuration.livenessBound)" : "the orchestrator is not running")
        checks["consumerGroup"] = status.joinedGroup ? "ok" : "the Kafka consumer has not joined its group or been given its assignment yet"
        checks["shutdown"] = status.shuttingDown ? "the orchestrator is shutting down" : "ok"
        checks["store"] = await storeCheck(orchestrator, timeout: configuration.storeTimeout)
        let failed = checks.filter { $0.value != "ok" }.map(\.key).sorted()
        return ReadinessReport(status: failed.isEmpty ? "ready" : "not ready", checks: checks, failed: failed)
    }

    private static func storeCheck(_ orchestrator: Orchestrator, timeout: Duration) async -> String {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await orchestrator.pingStore()
                    return "ok"
                } catch {
                    return "the store did not answer: \(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : "the store did not answer within \(timeout)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? "the store did not answer within \(timeout)"
        }
    }
}
