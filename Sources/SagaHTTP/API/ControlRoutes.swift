import Hummingbird
import SagaCore
import SagaRuntime

/// `POST /v1/sagas/{id}/cancel|pause|resume|compensate` and `/v1/sagas/{id}/steps/{step}/retry`:
/// publish the control to the commands topic, where the owner of the saga's partition applies it.
struct ControlRoutes: Sendable {
    let sagas: SagaRoutes
    let publisher: CommandPublisher
    let configuration: SagaHTTPConfiguration

    func add(to router: Router<SagaRequestContext>) {
        for action in [ControlCommand.Action.cancel, .pause, .resume, .compensate] {
            router.post("/v1/sagas/:id/\(action.rawValue)") { request, context in
                try await control(action, id: context.parameters.require("id"), step: nil, request)
            }
        }
        router.post("/v1/sagas/:id/steps/:step/retry") { request, context in
            try await control(.retry, id: context.parameters.require("id"), step: context.parameters.require("step"), request)
        }
    }

    private func control(_ action: ControlCommand.Action, id: String, step: String?, _ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        try body.only(["reason", "requestedBy"])
        guard let (record, _) = try await sagas.findSaga(id) else {
            throw Problem.notFound("no saga with id '\(id)'")
        }
        if let step, let plan = sagas.orchestrator.definitions.plan(type: record.type, version: record.version), plan.index(ofStep: step) == nil {
            throw Problem.notFound("saga '\(id)' (\(record.type) version \(record.version)) has no step '\(step)'; its steps are \(plan.steps.map(\.name).joined(separator: ", "))")
        }
        let command = ControlCommand(
            sagaId: record.id, action: action, step: step,
            reason: try body.string("reason"), requestedBy: try body.string("requestedBy") ?? "http"
        )
        do {
            try await publisher.control(command)
        } catch {
            throw Problem(.serviceUnavailable, "Not Published", detail: "the control could not be published to Kafka: \(error)")
        }
        var answer = ["sagaId": record.id, "action": action.rawValue, "status": "published", "location": "/v1/sagas/\(record.id)"]
        if let step { answer["step"] = step }
        return try jsonResponse(answer, status: .accepted)
    }
}
