import Foundation
import Hummingbird
import Prometheus
import SagaRuntime

/// `/health`, `/ready` and `/metrics`: no token needed, for probes and scrapers.
struct OpsRoutes: Sendable {
    let orchestrator: Orchestrator
    let registry: PrometheusCollectorRegistry
    let configuration: SagaHTTPConfiguration

    /// The Prometheus text exposition format's media type.
    static let metricsMediaType = "text/plain; version=0.0.4; charset=utf-8"

    func add(to router: Router<SagaRequestContext>) {
        router.get("/health") { _, _ in try health() }
        router.get("/ready") { _, _ in try await ready() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: Self.metricsMediaType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }

    /// 200 while the loop turned within the liveness bound, else 503.
    private func health() throws -> Response {
        let status = orchestrator.status
        let live = status.isLive(within: configuration.livenessBound)
        var body: [String: Any] = ["status": live ? "ok" : "unhealthy", "ownedPartitions": status.ownedPartitions, "activeSagas": status.activeSagas]
        if let lastTurn = status.lastTurn {
            let ago = ContinuousClock.now - lastTurn
            body["lastTurnMsAgo"] = ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000
        }
        if !live {
            body["detail"] = status.running ? "the orchestrator loop has not turned within \(configuration.livenessBound)" : "the orchestrator is not running"
        }
        return try json(body, status: live ? .ok : .serviceUnavailable)
    }

    /// 200 when every readiness check passes, else 503 with the checks that failed.
    private func ready() async throws -> Response {
        let report = await ReadinessReport.check(orchestrator, configuration: configuration)
        let data = try JSONEncoder.sorted.encode(report)
        return Response(
            status: report.failed.isEmpty ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    private func json(_ object: [String: Any], status: HTTPResponse.Status) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so answers are stable.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
