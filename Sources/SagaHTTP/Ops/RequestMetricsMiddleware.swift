import CoreMetrics
import Hummingbird

/// Counts every request by route pattern, method and status (`saga_http_requests_total`) and
/// times it (`saga_http_request_duration_seconds`, by route), on the given metrics factory.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, since: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        // The route pattern, never the path itself: a label must not take a value per saga id.
        let route = context.endpointPath ?? "unmatched"
        Counter(
            label: "saga_http_requests_total",
            dimensions: [("route", route), ("method", request.method.rawValue), ("status", "\(status)")],
            factory: factory
        ).increment()
        let elapsed = ContinuousClock.now - started
        Timer(label: "saga_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
