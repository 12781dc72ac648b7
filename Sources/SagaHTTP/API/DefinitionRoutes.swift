import Hummingbird
import SagaCore
import SagaRuntime

/// `GET /v1/definitions` and `GET /v1/definitions/{type}/{version}`: the definitions this
/// instance runs, with the layers of their DAG.
struct DefinitionRoutes: Sendable {
    let orchestrator: Orchestrator

    func add(to router: Router<SagaRequestContext>) {
        router.get("/v1/definitions") { _, _ in
            let registry = orchestrator.definitions
            let views = registry.versions.compactMap { registry.plan(type: $0.type, version: $0.version) }.map(DefinitionView.init)
            return try jsonResponse(["items": views])
        }
        router.get("/v1/definitions/:type/:version") { _, context in
            let type = try context.parameters.require("type")
            let versionText = try context.parameters.require("version")
            guard let version = Int(versionText) else {
                throw Problem.badRequest("the version must be an integer, got '\(versionText)'")
            }
            guard let plan = orchestrator.definitions.plan(type: type, version: version) else {
                throw Problem.notFound("no definition '\(type)' version \(version)")
            }
            return try jsonResponse(DefinitionView(plan))
        }
    }
}
