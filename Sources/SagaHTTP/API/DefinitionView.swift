import SagaCore

/// A registered saga definition, with its steps and the layers of its DAG (the steps of a layer
/// run in parallel once the layers before it are done).
struct DefinitionView: Encodable, Sendable {
    struct Step: Encodable, Sendable {
        var name: String
        var topic: String
        var dependsOn: [String]
        var timeoutMs: Int64
        var maxAttempts: Int
    }

    var type: String
    var version: Int
    var deadlineMs: Int64
    var steps: [Step]
    var layers: [[String]]

    init(_ plan: SagaPlan) {
        type = plan.type
        version = plan.version
        deadlineMs = plan.definition.deadline.milliseconds
        steps = plan.steps.map { step in
            Step(
                name: step.name, topic: step.definition.topic, dependsOn: step.definition.dependsOn,
                timeoutMs: step.definition.timeout.milliseconds, maxAttempts: Int(step.definition.retry.maxAttempts)
            )
        }
        layers = plan.layerNames
    }
}
