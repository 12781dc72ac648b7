import Hummingbird
import SagaRuntime
import SagaStore

/// `GET /v1/stats`: sagas in the store by status; sagas finished per type and outcome over the
/// last minute, hour and day; step reply latency percentiles by phase; and this instance's
/// share of the work. Everything but the last is read from the store, so every instance of a
/// group answers the same.
struct StatsRoutes: Sendable {
    let orchestrator: Orchestrator

    /// The most latency samples one answer reads (the newest of the window).
    static let latencySampleLimit = 20_000
    /// The window the latency percentiles cover.
    static let latencyWindow: Int64 = 3_600_000

    struct Stats: Encodable {
        struct Instance: Encodable {
            var instanceId: String
            var ownedPartitions: Int
            var activeSagas: Int
            var outboxBacklog: Int
            var joinedGroup: Bool
            var shuttingDown: Bool
        }

        struct Window: Encodable {
            var seconds: Int
            /// Sagas finished in the window.
            var total: Int
            /// Per saga type, per terminal status.
            var byType: [String: [String: Int]]
        }

        struct Percentiles: Encodable {
            var count: Int
            var p50: Int64
            var p90: Int64
            var p99: Int64
            var max: Int64
        }

        struct Latency: Encodable {
            /// `progressHistory` (the store's), or `off` when the history is not kept.
            var source: String
            var windowSeconds: Int
            var samples: Int
            /// Milliseconds from a step's command to its reply, by phase.
            var byPhase: [String: Percentiles]
        }

        /// Sagas in the store per status (every instance's, when the store is shared).
        var sagasByStatus: [String: Int]
        /// `lastMinute`, `lastHour` and `lastDay`.
        var finished: [String: Window]
        var stepLatency: Latency
        var instance: Instance
    }

    func add(to router: Router<SagaRequestContext>) {
        router.get("/v1/stats") { _, _ in try await stats() }
    }

    private func stats() async throws -> Response {
        let status = orchestrator.status
        let now = Orchestrator.now
        var finished: [String: Stats.Window] = [:]
        for (name, seconds) in [("lastMinute", 60), ("lastHour", 3600), ("lastDay", 86_400)] {
            let counts = try await orchestrator.outcomeCounts(finishedSince: now - Int64(seconds) * 1000)
            var byType: [String: [String: Int]] = [:]
            for count in counts { byType[count.type, default: [:]][count.status, default: 0] += count.count }
            finished[name] = Stats.Window(seconds: seconds, total: counts.reduce(0) { $0 + $1.count }, byType: byType)
        }
        let history = orchestrator.settings.progressHistory > 0
        let samples = history ? try await orchestrator.stepLatencies(since: now - Self.latencyWindow, limit: Self.latencySampleLimit) : []
        return try jsonResponse(Stats(
            sagasByStatus: try await orchestrator.countSagasByStatus(),
            finished: finished,
            stepLatency: .init(
                source: history ? "progressHistory" : "off", windowSeconds: Int(Self.latencyWindow / 1000),
                samples: samples.count, byPhase: Self.percentiles(samples)
            ),
            instance: .init(
                instanceId: orchestrator.identity.instanceID, ownedPartitions: status.ownedPartitions, activeSagas: status.activeSagas,
                outboxBacklog: status.outboxBacklog, joinedGroup: status.joinedGroup, shuttingDown: status.shuttingDown
            )
        ))
    }

    /// Nearest-rank percentiles per phase.
    static func percentiles(_ samples: [StepLatency]) -> [String: Stats.Percentiles] {
        var byPhase: [String: [Int64]] = [:]
        for sample in samples { byPhase[sample.phase, default: []].append(sample.milliseconds) }
        return byPhase.mapValues { values in
            let sorted = values.sorted()
            func rank(_ fraction: Double) -> Int64 {
                let index = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
                return sorted[min(sorted.count - 1, max(0, index))]
            }
            return Stats.Percentiles(count: sorted.count, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted.last ?? 0)
        }
    }
}
